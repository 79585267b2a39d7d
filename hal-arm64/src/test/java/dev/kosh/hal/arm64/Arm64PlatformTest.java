package dev.kosh.hal.arm64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.MemoryMap;
import dev.kosh.hal.Mechanism;
import dev.kosh.hal.PlatformInterface;
import dev.kosh.hal.Platforms;
import dev.kosh.hal.spi.PlatformConformance;
import dev.kosh.hal.spi.PlatformProvider;
import java.nio.file.Path;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class Arm64PlatformTest {

    @TempDir
    Path dir;

    private PlatformInterface open(FakeArm64Host h) {
        return Platforms.detect("Linux", "aarch64", h.host(), ServiceLoader.load(PlatformProvider.class)).orElseThrow();
    }

    @TestFactory
    Stream<DynamicTest> qemuVirtTreeMeetsThePlatformContract() {
        PlatformInterface p = open(FakeArm64Host.standard(dir));
        return PlatformConformance.clauses().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            var violations = c.check().apply(p);
            assertTrue(violations.isEmpty(), violations.toString());
        }));
    }

    @Test
    void serviceLoaderPicksTheArm64ProviderAndItReadsTheTree() {
        PlatformInterface p = open(FakeArm64Host.standard(dir));
        assertEquals("aarch64", p.architecture());
        assertEquals("ARM Cortex-A72", p.getCpuInfo().modelName());
        assertEquals("/proc/iomem", p.getMemoryMap().source());
        assertEquals(0x8000_0000L, p.getMemoryMap().usableBytes());
        assertEquals(2, p.platformDevices().stream().filter(d -> d.compatible().contains("arm,primecell")).count());
        assertEquals(0x1af4, p.pciDevices().getFirst().vendorId());
        assertTrue(p.pciDevices().getFirst().bar(0).orElseThrow().isIo());
        assertTrue(p.capabilities().has(Mechanism.DEVICE_TREE));
        assertTrue(!p.capabilities().has(Mechanism.FIRMWARE_MEMMAP));
    }

    @Test
    void iomemHiddenFromNonRootFallsBackToTheDeviceTreeMemoryNodes() {
        FakeArm64Host h = FakeArm64Host.standard(dir).text("proc/iomem",
                "00000000-00000000 : System RAM\n00000000-00000000 : pcie@10000000\n");
        MemoryMap m = open(h).getMemoryMap();
        assertEquals("/proc/device-tree", m.source());
        assertEquals(0x8000_0000L, m.usableBytes());
    }

    @Test
    void threeLevelTablesAreAcceptedOnArm64() {
        record Root(long rootFrameAddress, int levels, int addressSpaceId) implements dev.kosh.hal.PageTableRoot {}
        PlatformInterface p = open(FakeArm64Host.standard(dir));
        assertTrue(p.enableMmu(new Root(0x4000_0000L, 3, 1)).isOk());
        assertInstanceOf(HalError.InvalidArgument.class,
                ((HalResult.Err<?>) p.enableMmu(new Root(0x4000_0000L, 2, 1))).error());
    }

    @Test
    void cpuinfoWithoutPartNumbersFailsTheOpenTyped() {
        FakeArm64Host h = FakeArm64Host.standard(dir).text("proc/cpuinfo", "processor : 0\nFeatures : fp\n");
        var r = Platforms.detect("Linux", "aarch64", h.host(), ServiceLoader.load(PlatformProvider.class));
        var e = assertInstanceOf(HalError.Malformed.class, ((HalResult.Err<PlatformInterface>) r).error());
        assertEquals("/proc/cpuinfo", e.source());
    }
}
