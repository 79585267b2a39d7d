package dev.kosh.hal.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kosh.hal.Availability;
import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.InterruptSetup;
import dev.kosh.hal.Mechanism;
import dev.kosh.hal.MmioRegion;
import dev.kosh.hal.PciAddress;
import dev.kosh.hal.PciBar;
import dev.kosh.hal.PlatformCapabilities;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class MmioAndCapabilitiesTest {

    @TempDir
    Path dir;

    private static final PciAddress EDU = new PciAddress(0, 0, 4, 0);

    private FakeTree eduTree() {
        return new FakeTree(dir).pci(EDU.toString(), "0x1234", "0x11e8", "0x00ff00",
                FakeTree.bar0(0xfea0_0000L, 4096, PciBar.IORESOURCE_MEM)
                        .replaceFirst("(?s)\n.*", "\n") + "0x0000c000 0x0000c01f 0x00040101\n"
                        + "0x0000000000000000 0x0000000000000000 0x0000000000000000\n".repeat(5), null);
    }

    private static HalError error(HalResult<MmioRegion> r) {
        return ((HalResult.Err<MmioRegion>) r).error();
    }

    @Test
    void memoryBarMapsThroughItsSysfsResourceFile() throws Exception {
        FakeTree t = eduTree();
        Path resource = dir.resolve("sys/bus/pci/devices/" + EDU + "/resource0");
        Files.write(resource, new byte[4096]);
        try (Arena arena = Arena.ofConfined()) {
            MmioRegion r = MmioMapper.map(t.host(), EDU, 0, arena).orElseThrow();
            assertEquals(4096, r.segment().byteSize());
            assertEquals(0xfea0_0000L, r.physicalAddress());
            assertEquals("/sys/bus/pci/devices/0000:00:04.0/resource0", r.via());
            r.segment().set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4, 0xcafe_f00d);
        }
        assertEquals(0xcafe_f00d, ByteBuffer.wrap(Files.readAllBytes(resource)).order(ByteOrder.LITTLE_ENDIAN).getInt(4),
                "writes through the segment reach the mapped file");
    }

    @Test
    void withoutResourceFileOrDevMemTheMappingIsUnavailableWithBothReasons() {
        try (Arena arena = Arena.ofConfined()) {
            var e = assertInstanceOf(HalError.Unavailable.class, error(MmioMapper.map(eduTree().host(), EDU, 0, arena)));
            assertTrue(e.reason().contains("resource0") && e.reason().contains("/dev/mem"), e.reason());
        }
    }

    @Test
    void withoutResourceFileTheBarIsMappedFromDevMemAtItsAddress() throws Exception {
        FakeTree t = eduTree();
        // A sparse stand-in for /dev/mem covering the BAR's physical address.
        try (var ch = java.nio.channels.FileChannel.open(Files.createDirectories(dir.resolve("dev")).resolve("mem"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0x42}), 0xfea0_0000L + 4095);
        }
        try (Arena arena = Arena.ofConfined()) {
            MmioRegion r = MmioMapper.map(t.host(), EDU, 0, arena).orElseThrow();
            assertEquals("/dev/mem", r.via());
            assertEquals(0x42, r.segment().get(ValueLayout.JAVA_BYTE, 4095));
        }
    }

    @Test
    void decodeRefusesIoBarsMissingBarsBadIndicesAndUnknownDevices() {
        FakeTree t = eduTree();
        try (Arena arena = Arena.ofConfined()) {
            assertInstanceOf(HalError.InvalidArgument.class, error(MmioMapper.map(t.host(), EDU, 1, arena)));
            assertInstanceOf(HalError.NotFound.class, error(MmioMapper.map(t.host(), EDU, 2, arena)));
            assertInstanceOf(HalError.InvalidArgument.class, error(MmioMapper.map(t.host(), EDU, 6, arena)));
            assertInstanceOf(HalError.NotFound.class, error(MmioMapper.map(t.host(), new PciAddress(0, 1, 0, 0), 0, arena)));
        }
    }

    @Test
    void bareHostReportsEveryMechanismAbsentWithAReasonAndFallsBackToPolling() {
        var caps = new PlatformCapabilities(CapabilityProbe.probe(new FakeTree(dir).host()));
        for (Mechanism m : new Mechanism[] {Mechanism.DEV_MEM, Mechanism.VFIO, Mechanism.UIO, Mechanism.IO_URING,
                Mechanism.HUGEPAGES, Mechanism.CPUFREQ, Mechanism.POWER_SUPPLY, Mechanism.PCI_SYSFS}) {
            var a = assertInstanceOf(Availability.Absent.class, caps.of(m), m.name());
            assertTrue(a.reason().length() > 10, m + ": " + a.reason());
        }
        var polled = assertInstanceOf(InterruptSetup.Polled.class, InterruptProbe.setup(new FakeTree(dir).host(), caps));
        assertEquals(2, polled.reasons().size());
        assertTrue(polled.reasons().get(0).startsWith("vfio: no /dev/vfio/vfio"), polled.reasons().toString());
    }

    @Test
    void vfioWithAnIommuGroupIsPreferredOverUio() {
        FakeTree t = new FakeTree(dir).file("dev/vfio/vfio", "").dir("sys/kernel/iommu_groups/0")
                .file("sys/class/uio/uio0/name", "uio_pci_generic\n")
                .file("sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "16\n")
                .file("proc/sys/kernel/io_uring_disabled", "1\n");
        var caps = new PlatformCapabilities(CapabilityProbe.probe(t.host()));
        assertTrue(caps.has(Mechanism.VFIO) && caps.has(Mechanism.UIO) && caps.has(Mechanism.HUGEPAGES));
        assertEquals(new Availability.Present("2048kB (16 reserved)"), caps.of(Mechanism.HUGEPAGES));
        assertEquals(new Availability.Absent("/proc/sys/kernel/io_uring_disabled is 1"), caps.of(Mechanism.IO_URING));
        assertInstanceOf(InterruptSetup.VfioEventfd.class, InterruptProbe.setup(t.host(), caps));
    }

    @Test
    void vfioWithoutIommuGroupsIsAbsentAndUioIsChosen() {
        FakeTree t = new FakeTree(dir).file("dev/vfio/vfio", "").file("sys/class/uio/uio0/name", "uio_pci_generic\n");
        var caps = new PlatformCapabilities(CapabilityProbe.probe(t.host()));
        assertTrue(((Availability.Absent) caps.of(Mechanism.VFIO)).reason().contains("iommu_groups"));
        assertEquals(new InterruptSetup.Uio(java.util.List.of("/dev/uio0")), InterruptProbe.setup(t.host(), caps));
    }
}
