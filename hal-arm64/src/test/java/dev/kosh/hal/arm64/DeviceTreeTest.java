package dev.kosh.hal.arm64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.MemoryMap;
import dev.kosh.hal.PlatformDevice;
import dev.kosh.hal.RegionType;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class DeviceTreeTest {

    @TempDir
    Path dir;

    @Test
    void enabledCompatibleNodesAreDevicesWithRegistersInTheirParentsCells() {
        var tree = DeviceTree.find(FakeArm64Host.standard(dir).host()).orElseThrow();
        var scan = tree.platformDevices();
        assertEquals(List.of(), scan.rejected());
        List<String> names = scan.devices().stream().map(PlatformDevice::name).toList();
        assertEquals(List.of("cpu@0", "pl011@9000000", "pl031@9010000"), names, "disabled pl061 skipped");
        PlatformDevice uart = scan.devices().get(1);
        assertEquals(List.of("arm,pl011", "arm,primecell"), uart.compatible());
        assertEquals(List.of(new PlatformDevice.Register(0x0900_0000L, 0x1000)), uart.registers());
        assertEquals(List.of(new PlatformDevice.Register(0, 0)), scan.devices().getFirst().registers(),
                "cpus has one address cell and no size cells");
        assertEquals("/proc/device-tree/pl011@9000000", uart.source());
    }

    @Test
    void regOfTheWrongLengthRejectsOnlyThatNode() {
        FakeArm64Host h = FakeArm64Host.standard(dir).dt("virtio@a000000", "compatible", FakeArm64Host.strings("virtio,mmio"))
                .dt("virtio@a000000", "reg", FakeArm64Host.cells(0, 0x0a00_0000L, 0x200));
        var scan = DeviceTree.find(h.host()).orElseThrow().platformDevices();
        assertEquals(3, scan.devices().size());
        var e = assertInstanceOf(HalError.Malformed.class, scan.rejected().getFirst());
        assertEquals("/proc/device-tree/virtio@a000000/reg", e.source());
        assertTrue(e.detail().contains("not a multiple of 16"), e.detail());
    }

    @Test
    void badCellCountPropertyRejectsTheSubtree() {
        FakeArm64Host h = FakeArm64Host.standard(dir).dt("soc", "#address-cells", new byte[] {1, 2})
                .dt("soc/timer@1000", "compatible", FakeArm64Host.strings("arm,timer"));
        var scan = DeviceTree.find(h.host()).orElseThrow().platformDevices();
        assertTrue(scan.rejected().stream().anyMatch(x -> x.message().contains("/proc/device-tree/soc/#address-cells")),
                scan.rejected().toString());
    }

    @Test
    void memoryNodesAndReservedMemoryMakeTheFallbackMemoryMap() {
        FakeArm64Host h = FakeArm64Host.standard(dir)
                .dt("reserved-memory", "#address-cells", FakeArm64Host.cells(2))
                .dt("reserved-memory", "#size-cells", FakeArm64Host.cells(2))
                .dt("reserved-memory/linux,cma", "reg", FakeArm64Host.cells(0, 0x4800_0000L, 0, 0x0100_0000L));
        MemoryMap m = DeviceTree.find(h.host()).orElseThrow().memoryMap().orElseThrow();
        assertEquals(0x8000_0000L - 0x0100_0000L, m.usableBytes());
        assertEquals(RegionType.RESERVED, m.regionAt(0x4800_0000L).orElseThrow().type());
        assertEquals("/proc/device-tree", m.source());
    }

    @Test
    void treeWithoutMemoryNodesIsMalformedNotEmpty() {
        FakeArm64Host h = new FakeArm64Host(dir).dt("", "compatible", FakeArm64Host.strings("x"));
        var r = DeviceTree.find(h.host()).orElseThrow().memoryMap();
        assertInstanceOf(HalError.Malformed.class, ((HalResult.Err<MemoryMap>) r).error());
    }

    @Test
    void sysfsFirmwareTreeIsFoundWhenProcHasNone() {
        FakeArm64Host h = new FakeArm64Host(dir).file("sys/firmware/devicetree/base/compatible", FakeArm64Host.strings("x"));
        assertEquals("/sys/firmware/devicetree/base", DeviceTree.find(h.host()).orElseThrow().location());
        assertTrue(DeviceTree.find(new FakeArm64Host(dir.resolve("none")).host()).isEmpty());
    }
}
