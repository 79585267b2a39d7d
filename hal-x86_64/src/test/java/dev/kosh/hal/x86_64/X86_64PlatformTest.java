package dev.kosh.hal.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.InterruptSetup;
import dev.kosh.hal.Mechanism;
import dev.kosh.hal.MemoryMap;
import dev.kosh.hal.MmioRegion;
import dev.kosh.hal.PciDevice;
import dev.kosh.hal.PlatformInterface;
import dev.kosh.hal.Platforms;
import dev.kosh.hal.RegionType;
import dev.kosh.hal.spi.HostRoot;
import dev.kosh.hal.spi.PlatformConformance;
import dev.kosh.hal.spi.PlatformProvider;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class X86_64PlatformTest {

    @TempDir
    Path dir;

    private static Stream<DynamicTest> contract(String host, PlatformInterface p) {
        return PlatformConformance.clauses().stream().map(c -> DynamicTest.dynamicTest(host + ": " + c.name(), () -> {
            var violations = c.check().apply(p);
            assertTrue(violations.isEmpty(), violations.toString());
        }));
    }

    @TestFactory
    Stream<DynamicTest> capturedTreeMeetsThePlatformContract() {
        return contract("captured", new X86_64PlatformProvider().open(FakeX86Host.standard(dir).host()).orElseThrow());
    }

    @TestFactory
    Stream<DynamicTest> liveHostMeetsThePlatformContract() {
        return contract("live", Platforms.detect().orElseThrow());
    }

    @Test
    void serviceLoaderFindsTheProviderForThisHost() {
        PlatformInterface p = Platforms.detect("Linux", "amd64", FakeX86Host.standard(dir).host(),
                ServiceLoader.load(PlatformProvider.class)).orElseThrow();
        assertEquals("x86_64", p.architecture());
        assertInstanceOf(HalError.NoPlatform.class, ((HalResult.Err<PlatformInterface>) Platforms.detect("Linux", "riscv64",
                HostRoot.live(), ServiceLoader.load(PlatformProvider.class))).error());
    }

    @Test
    void capturedTreePrefersTheFirmwareTableAndListsDevices() {
        PlatformInterface p = new X86_64PlatformProvider().open(FakeX86Host.standard(dir).host()).orElseThrow();
        MemoryMap m = p.getMemoryMap();
        assertEquals("/sys/firmware/memmap", m.source());
        assertEquals(0x9fc00L + 0xbff00000L + 0x540000000L, m.usableBytes());
        assertEquals(3, p.pciDevices().size());
        assertEquals(0x11e8, p.pciDevices().get(2).deviceId());
        assertEquals("serial8250", p.platformDevices().getFirst().name());
        assertInstanceOf(InterruptSetup.Polled.class, p.setupInterrupts());
        assertTrue(p.capabilities().has(Mechanism.IO_URING) && !p.capabilities().has(Mechanism.DEV_MEM));
    }

    @Test
    void malformedCpuinfoFailsTheOpenWithTheFileAndLine() {
        FakeX86Host h = FakeX86Host.standard(dir).file("proc/cpuinfo", "processor : 0\n???\n");
        var e = assertInstanceOf(HalError.Malformed.class,
                ((HalResult.Err<PlatformInterface>) new X86_64PlatformProvider().open(h.host())).error());
        assertEquals("/proc/cpuinfo", e.source());
        assertEquals(2, e.line());
    }

    @Test
    void missingMemoryMapFailsTheOpenNamingBothSources() {
        FakeX86Host h = new FakeX86Host(dir).file("proc/cpuinfo", FakeX86Host.captured("amd-epyc-cpuinfo.txt"));
        var e = assertInstanceOf(HalError.Unavailable.class,
                ((HalResult.Err<PlatformInterface>) new X86_64PlatformProvider().open(h.host())).error());
        assertTrue(e.reason().contains("/sys/firmware/memmap") && e.reason().contains("/proc/iomem"), e.reason());
    }

    @Test
    void liveHostHasACpuUsableRamAndVendorIdsOnEveryPciDevice() {
        PlatformInterface p = Platforms.detect().orElseThrow();
        assertTrue(p.getCpuInfo().logicalCores() >= 1);
        assertTrue(p.getMemoryMap().usableBytes() > 0);
        var scan = p.scanPciDevices();
        assertTrue(scan.rejected().isEmpty(), scan.rejected().toString());
        for (PciDevice d : scan.devices()) {
            assertTrue(d.vendorId() != 0 && d.vendorId() != 0xffff, d.toString());
        }
        System.out.printf("HAL live host: %s %s, %d logical cores, %s kHz%n", p.getCpuInfo().vendor(),
                p.getCpuInfo().modelName(), p.getCpuInfo().logicalCores(), p.getCpuInfo().frequencyKHz());
        System.out.printf("HAL memory map from %s: %d MiB usable, %d regions%n", p.getMemoryMap().source(),
                p.getMemoryMap().usableBytes() >> 20, p.getMemoryMap().regions().size());
        p.getMemoryMap().regions().forEach(r -> System.out.println("HAL   " + r));
        scan.devices().forEach(d -> System.out.println("HAL pci " + d + " bars " + d.bars()));
        System.out.println("HAL capabilities:\n" + p.capabilities().describe());
        System.out.println("HAL interrupts: " + p.setupInterrupts());
    }

    @Test
    void mappingALiveBarEitherWorksOrSaysWhyTheHostForbidsIt() {
        PlatformInterface p = Platforms.detect().orElseThrow();
        for (PciDevice d : p.pciDevices()) {
            for (var bar : d.bars()) {
                if (!bar.isMemory()) continue;
                try (Arena arena = Arena.ofConfined()) {
                    switch (p.mapMmio(d.address(), bar.index(), arena)) {
                        case HalResult.Ok<MmioRegion>(MmioRegion r) -> assertEquals(bar.length(), r.segment().byteSize());
                        case HalResult.Err<MmioRegion>(HalError.Unavailable u) ->
                                System.out.println("HAL mmio " + d.address() + " BAR" + bar.index() + ": " + u.message());
                        case HalResult.Err<MmioRegion>(HalError.AccessDenied a) ->
                                System.out.println("HAL mmio " + d.address() + ": " + a.message());
                        case HalResult.Err<MmioRegion>(HalError e) -> fail("unexpected mapping error " + e.message());
                    }
                }
                return;
            }
        }
    }

    @Test
    void liveMemoryMapIsDominatedByUsableRamNotDeviceWindows() {
        MemoryMap m = Platforms.detect().orElseThrow().getMemoryMap();
        assertTrue(m.regionsOf(RegionType.USABLE).stream().allMatch(r -> r.label().equals("System RAM")));
    }
}
