package dev.kosh.hal.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kosh.hal.HalError;
import dev.kosh.hal.PciAddress;
import dev.kosh.hal.PciBar;
import dev.kosh.hal.PciDevice;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class SysfsPciTest {

    @TempDir
    Path dir;

    @Test
    void readsIdsBarsIrqAndDriverOfEachFunction() {
        FakeTree t = new FakeTree(dir)
                .pci("0000:00:00.0", "0x8086", "0x0d57", "0x060000", FakeTree.NO_BARS, null)
                .pci("0000:00:04.0", "0x1234", "0x11e8", "0x00ff00",
                        FakeTree.bar0(0xfea0_0000L, 1 << 20, 0x40200), "edu");
        var scan = SysfsPci.scan(t.host());
        assertEquals(2, scan.devices().size());
        assertEquals(0, scan.rejected().size());
        PciDevice edu = scan.devices().get(1);
        assertEquals(PciAddress.parse("0000:00:04.0").orElseThrow(), edu.address());
        assertEquals(0x1234, edu.vendorId());
        assertEquals(0x11e8, edu.deviceId());
        assertEquals(0xff, edu.subclass());
        assertEquals(11, edu.irq().orElseThrow());
        assertEquals(Optional.of("edu"), edu.driver());
        PciBar b = edu.bar(0).orElseThrow();
        assertEquals(0xfea0_0000L, b.start());
        assertEquals(1 << 20, b.length());
        assertTrue(b.isMemory() && !b.isIo() && !b.is64Bit());
        assertTrue(scan.devices().getFirst().bars().isEmpty(), "all-zero lines are unimplemented BARs");
    }

    @Test
    void oneMalformedDeviceIsRejectedWithItsPathAndTheOthersStillListed() {
        FakeTree t = new FakeTree(dir)
                .pci("0000:00:01.0", "0xzz", "0x1000", "0x020000", FakeTree.NO_BARS, null)
                .pci("0000:00:02.0", "0x8086", "0x100e", "0x020000", "0x1000 0x0fff\n", null)
                .pci("0000:00:03.0", "0x8086", "0x100f", "0x020000", FakeTree.NO_BARS, null)
                .dir("sys/bus/pci/devices/not-a-bdf");
        var scan = SysfsPci.scan(t.host());
        assertEquals(1, scan.devices().size());
        assertEquals(0x100f, scan.devices().getFirst().deviceId());
        assertEquals(3, scan.rejected().size());
        var vendor = assertInstanceOf(HalError.Malformed.class, scan.rejected().get(0));
        assertEquals("/sys/bus/pci/devices/0000:00:01.0/vendor", vendor.source());
        var resource = assertInstanceOf(HalError.Malformed.class, scan.rejected().get(1));
        assertEquals(1, resource.line());
        assertTrue(resource.source().endsWith("0000:00:02.0/resource"));
        assertInstanceOf(HalError.Malformed.class, scan.rejected().get(2));
    }

    @Test
    void missingRequiredFileIsNotFoundAndMissingOptionalOnesAreDefaults() {
        FakeTree t = new FakeTree(dir).file("sys/bus/pci/devices/0000:00:05.0/vendor", "0x1af4\n")
                .file("sys/bus/pci/devices/0000:00:05.0/class", "0x010000\n")
                .file("sys/bus/pci/devices/0000:00:06.0/vendor", "0x1af4\n")
                .file("sys/bus/pci/devices/0000:00:06.0/device", "0x1001\n")
                .file("sys/bus/pci/devices/0000:00:06.0/class", "0x010000\n");
        var scan = SysfsPci.scan(t.host());
        assertEquals("not found: /sys/bus/pci/devices/0000:00:05.0/device", scan.rejected().getFirst().message());
        PciDevice d = scan.devices().getFirst();
        assertTrue(d.irq().isEmpty() && d.driver().isEmpty() && d.bars().isEmpty());
    }

    @Test
    void hostWithoutPciGivesAnEmptyScan() {
        var scan = SysfsPci.scan(new FakeTree(dir).host());
        assertTrue(scan.devices().isEmpty() && scan.rejected().isEmpty());
    }
}
