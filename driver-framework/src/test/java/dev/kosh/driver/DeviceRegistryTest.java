package dev.kosh.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kosh.driver.api.DriverContext;
import dev.kosh.driver.api.MmioAccess;
import dev.kosh.driver.api.Registers;
import dev.kosh.driver.api.MmioWindow;
import dev.kosh.driver.api.PortRange;
import dev.kosh.hal.HalError;
import dev.kosh.hal.PciBar;
import dev.kosh.hal.PciDevice;

@Timeout(10)
class DeviceRegistryTest {
    private static final PciDevice EDU = Hardware.pci(3, 0x1234, 0x11e8, 0x00ff00);
    private static final PciDevice NIC = Hardware.pci(4, 0x8086, 0x100e, 0x020000);
    private static final PciDevice SATA = Hardware.pci(5, 0x8086, 0x2922, 0x010601, List.of(
            new PciBar(4, 0xc040, 0x20, PciBar.IORESOURCE_IO),
            new PciBar(5, 0xfebd_5000L, 0x1000, PciBar.IORESOURCE_MEM | PciBar.IORESOURCE_PREFETCH),
            new PciBar(PciBar.ROM_INDEX, 0xfeb8_0000L, 0x4_0000, PciBar.IORESOURCE_MEM)), OptionalInt.empty());

    @Test
    void aScanBindsEachDeviceToItsMostSpecificDriverAndListsTheRestAsUnmatched() {
        DeviceRegistry reg = new DeviceRegistry();
        reg.register(Hardware.driver("edu", "pci:1234:11e8"));
        reg.register(Hardware.driver("ahci", "pci:*:*:01:06"));
        reg.register(Hardware.driver("virtio", "platform:virtio-mmio"));
        ScanReport report = reg.scan(List.of(NIC, SATA, EDU), List.of(Hardware.platform("virtio-mmio@a000000", "virtio,mmio")));
        assertEquals(4, report.devices());
        assertEquals(3, report.bound());
        assertEquals(List.of("0000:00:04.0 pci:8086:100e:02:00"), report.unmatched());
        List<DeviceInfo> rows = reg.lsdev();
        assertEquals(List.of("0000:00:03.0", "0000:00:04.0", "0000:00:05.0", "platform:virtio-mmio@a000000"),
                rows.stream().map(DeviceInfo::address).toList());
        assertEquals(List.of("edu", DeviceInfo.UNMATCHED, "ahci", "virtio"), rows.stream().map(DeviceInfo::driver).toList());
        assertEquals("pci:*:*:01:06", rows.get(2).rule());
        assertEquals("010601", rows.get(2).deviceClass());
        assertTrue(!rows.get(1).bound() && rows.get(0).bound());
        assertTrue(rows.get(2).line().contains("mmio5=0xfebd5000+0x1000 io4=0xc040+0x20"), rows.get(2).line());
        assertTrue(rows.get(0).line().contains("irq=13"), rows.get(0).line());
        assertEquals("virtio,mmio", rows.get(3).deviceClass());
        assertEquals(List.of("0000:00:05.0"), reg.boundTo("ahci"));
        assertEquals(List.of("ahci", "edu", "virtio"), List.copyOf(reg.matchedDrivers()));
    }

    @Test
    void registeringAMoreSpecificDriverTakesTheDeviceOverAndRemovingItGivesItBack() {
        DeviceRegistry reg = new DeviceRegistry();
        reg.scan(List.of(EDU), List.of());
        assertEquals(List.of("0000:00:03.0"), reg.register(Hardware.driver("generic", "pci:*")));
        assertEquals(List.of("0000:00:03.0"), reg.boundTo("generic"));
        assertEquals(List.of("0000:00:03.0"), reg.register(Hardware.driver("edu", "pci:1234:11e8")));
        assertEquals(List.of(), reg.boundTo("generic"));
        reg.unregister("edu");
        reg.unregister("never-registered");
        assertEquals(List.of("0000:00:03.0"), reg.boundTo("generic"));
        assertTrue(reg.descriptor("edu").isEmpty());
        assertEquals(1, reg.descriptors().size());
    }

    @Test
    void tiesAreReportedByTheScanAndShownByLsdev() {
        DeviceRegistry reg = new DeviceRegistry();
        reg.register(Hardware.driver("b-edu", "pci:1234:11e8"));
        reg.register(Hardware.driver("a-edu", "pci:1234:11e8"));
        ScanReport r = reg.scan(List.of(EDU), List.of());
        assertEquals(List.of("0000:00:03.0: a-edu and b-edu match equally (exact/2); a-edu chosen by name"), r.ties());
        assertTrue(reg.lsdev().getFirst().line().endsWith("(tie with b-edu, won by name)"));
    }

    @Test
    void aDriverIsGivenItsOwnDevicesResourcesAndNoOthers() {
        DeviceRegistry reg = new DeviceRegistry();
        reg.register(Hardware.driver("ahci", "pci:*:*:01:06"));
        reg.register(Hardware.driver("edu", "pci:1234:11e8"));
        reg.scan(List.of(EDU, SATA, NIC), List.of());
        DriverContext ahci = reg.context("ahci");
        assertEquals("ahci", ahci.driverName());
        assertEquals(1, ahci.devices().size());
        var res = ahci.devices().getFirst();
        assertEquals("0000:00:05.0", res.device());
        assertEquals(List.of(new MmioWindow(5, 0xfebd_5000L, 0x1000, true)), res.mmio(), "the expansion ROM is not granted");
        assertEquals(List.of(new PortRange(4, 0xc040, 0x20)), res.ioPorts());
        assertEquals(OptionalInt.empty(), res.irq());
        assertEquals(OptionalInt.of(13), reg.context("edu").devices().getFirst().irq());
        assertEquals(DriverContext.noDevices("nothing"), reg.context("nothing"));
    }

    @Test
    void mmioIsMappedOnlyForTheDriversOwnDeviceByIndexThroughThePlatform() {
        var sim = new Hardware.SimulatedPlatform(List.of(EDU, NIC), List.of(Hardware.platform("uart@9000000")),
                List.of(new HalError.Malformed("/sys/bus/pci/devices/0000:00:09.0/class", 1, "not hex")));
        DeviceRegistry reg = new DeviceRegistry();
        reg.register(Hardware.driver("edu", "pci:1234:11e8"));
        reg.register(Hardware.driver("uart", "platform:uart"));
        ScanReport report = reg.scan(sim);
        assertEquals(List.of("/sys/bus/pci/devices/0000:00:09.0/class:1: malformed: not hex"), report.rejected());
        assertEquals(report.rejected(), reg.rejected());
        MmioAccess edu = reg.context("edu").mmio();
        try (Arena arena = Arena.ofConfined()) {
            var mapped = assertInstanceOf(MmioAccess.Mapping.Mapped.class, edu.map(0, 0, arena));
            assertEquals(0x1000, mapped.registers().byteSize());
            assertEquals("simulated", mapped.via());
            // Every other way of asking is refused before the platform is asked.
            assertTrue(refusal(edu.map(1, 0, arena)).contains("driver edu has 1 device(s); there is no device 1"));
            assertTrue(refusal(edu.map(-1, 0, arena)).contains("no device -1"));
            assertTrue(refusal(edu.map(0, 2, arena)).contains("0000:00:03.0 has no MMIO window 2 (it has [0])"));
            assertTrue(refusal(edu.map(0, 0, null)).contains("an arena is required"));
            assertTrue(refusal(reg.context("uart").mmio().map(0, 0, arena)).contains("platform device"));
            assertTrue(refusal(reg.context("none").mmio().map(0, 0, arena)).contains("bound to no device"));
        }
        assertEquals(List.of("0000:00:03.0/0"), sim.mapped, "only the driver's own device was ever asked for");
    }

    @Test
    void aDriverBundleReachesItsRegistersThroughCheckedVolatileAccessesOnly() {
        var sim = new Hardware.SimulatedPlatform(List.of(EDU, NIC), List.of(), List.of());
        DeviceRegistry reg = new DeviceRegistry();
        reg.register(Hardware.driver("edu", "pci:1234:11e8"));
        reg.scan(sim);
        MmioAccess edu = reg.context("edu").mmio();
        var open = assertInstanceOf(MmioAccess.RegisterWindow.Open.class, edu.open(0, 0));
        assertEquals("simulated", open.via());
        Registers regs = open.registers();
        assertEquals(0x1000, regs.length());
        regs.write32(0x4, 0xcafe_f00d);
        assertEquals(0xcafe_f00d, regs.read32(0x4));
        assertEquals((short) 0xf00d, regs.read16(0x4), "little-endian host: the low half first");
        assertEquals((byte) 0x0d, regs.read8(0x4));
        regs.write64(0x8, 0x1122_3344_5566_7788L);
        assertEquals(0x1122_3344_5566_7788L, regs.read64(0x8));
        regs.write16(0x10, (short) 7);
        regs.write8(0x12, (byte) 9);
        assertEquals(7, regs.read16(0x10));
        assertEquals(9, regs.read8(0x12));
        // nothing outside the window, nothing misaligned, nothing after close
        var outside = assertThrows(IndexOutOfBoundsException.class, () -> regs.read32(0x1000));
        assertTrue(outside.getMessage().contains("outside the window of 0x1000 bytes"), outside.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> regs.write64(0xffc, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> regs.read8(-1));
        assertThrows(IndexOutOfBoundsException.class, () -> regs.read64(Long.MAX_VALUE));
        var misaligned = assertThrows(IllegalArgumentException.class, () -> regs.read32(0x6));
        assertTrue(misaligned.getMessage().contains("not aligned to 4 bytes"), misaligned.getMessage());
        regs.close();
        regs.close();
        assertThrows(IllegalStateException.class, () -> regs.read32(0x4));
        // refusals are the same as map's, and leave nothing mapped
        var refused = assertInstanceOf(MmioAccess.RegisterWindow.Refused.class, edu.open(1, 0));
        assertTrue(refused.reason().contains("driver edu has 1 device(s); there is no device 1"), refused.reason());
        assertInstanceOf(MmioAccess.RegisterWindow.Refused.class, reg.context("none").mmio().open(0, 0));
    }

    @Test
    void devicesGivenAsListsCannotBeMapped() {
        DeviceRegistry reg = new DeviceRegistry();
        reg.register(Hardware.driver("edu", "pci:1234:11e8"));
        reg.scan(List.of(EDU), List.of());
        try (Arena arena = Arena.ofConfined()) {
            assertTrue(refusal(reg.context("edu").mmio().map(0, 0, arena)).contains("not scanned from a platform"));
        }
    }

    @Test
    void aPlatformRefusalReachesTheDriverAsItsReason() {
        var sim = new Hardware.SimulatedPlatform(List.of(EDU), List.of(), List.of()) {
            @Override
            public synchronized dev.kosh.hal.HalResult<dev.kosh.hal.MmioRegion> mapMmio(dev.kosh.hal.PciAddress a, int bar, Arena arena) {
                return dev.kosh.hal.HalResult.err(new HalError.Unavailable(dev.kosh.hal.Mechanism.DEV_MEM, "no /dev/mem"));
            }
        };
        DeviceRegistry reg = new DeviceRegistry();
        reg.register(Hardware.driver("edu", "pci:1234:11e8"));
        reg.scan(sim);
        try (Arena arena = Arena.ofConfined()) {
            assertTrue(refusal(reg.context("edu").mmio().map(0, 0, arena)).contains("no /dev/mem"));
        }
    }

    @Test
    void twoPlatformDevicesOfOneNameAreBothListed() {
        DeviceRegistry reg = new DeviceRegistry();
        reg.scan(List.of(), List.of(Hardware.platform("serial8250"), Hardware.platform("serial8250")));
        assertEquals(List.of("platform:serial8250", "platform:serial8250#2"), reg.lsdev().stream().map(DeviceInfo::address).toList());
        assertEquals("-", new Device.Platform(Hardware.platform("x")).deviceClass());
    }

    private static String refusal(MmioAccess.Mapping m) {
        return assertInstanceOf(MmioAccess.Mapping.Refused.class, m).reason();
    }
}
