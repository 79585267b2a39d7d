package dev.kosh.hal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kosh.hal.spi.HostRoot;
import dev.kosh.hal.spi.PlatformProvider;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class PlatformsTest {

    /** A provider that records what it was asked to open and fails with a marker error. */
    private record Named(String name, String arch) implements PlatformProvider {
        public boolean supports(String osName, String osArch) {
            return osName.equals("Linux") && osArch.equals(arch);
        }

        public HalResult<PlatformInterface> open(HostRoot root) {
            return HalResult.err(new HalError.NotFound(name + " opened " + root.root()));
        }
    }

    @Test
    void noProviderForTheHostNamesTheHostAndEveryProviderSeen() {
        var r = Platforms.detect("Plan9", "mips", HostRoot.live(), List.of(new Named("a", "amd64"), new Named("b", "aarch64")));
        var err = assertInstanceOf(HalError.NoPlatform.class, ((HalResult.Err<PlatformInterface>) r).error());
        assertEquals(List.of("a", "b"), err.providers());
        assertTrue(err.message().contains("os.name=Plan9") && err.message().contains("os.arch=mips"), err.message());
    }

    @Test
    void emptyClassPathSaysNoProviderIsRegistered() {
        var r = Platforms.detect("Linux", "amd64", HostRoot.live(), List.of());
        assertTrue(((HalResult.Err<PlatformInterface>) r).error().message().contains("no providers are registered"));
    }

    @Test
    void theProviderForTheArchitectureOpensTheGivenRoot() {
        var r = Platforms.detect("Linux", "aarch64", HostRoot.at(Path.of("/tmp/x")),
                List.of(new Named("a", "amd64"), new Named("b", "aarch64")));
        var err = assertInstanceOf(HalError.NotFound.class, ((HalResult.Err<PlatformInterface>) r).error());
        assertEquals("b opened /tmp/x", err.what());
    }

    @Test
    void pciAddressParsesTheSysfsSpellingAndRefusesOthers() {
        PciAddress a = PciAddress.parse("0000:00:1f.3").orElseThrow();
        assertEquals(new PciAddress(0, 0, 0x1f, 3), a);
        assertEquals("0000:00:1f.3", a.toString());
        for (String bad : List.of("", "00:1f.3", "0000:00:20.0", "0000:00:1f.8", "zzzz:00:00.0", "0000:00:00.0 ")) {
            assertInstanceOf(HalResult.Err.class, PciAddress.parse(bad), bad);
        }
    }

    @Test
    void halResultMapsValuesAndCarriesErrorsThrough() {
        HalResult<Integer> ok = HalResult.ok(2);
        assertEquals(4, ok.map(x -> x * 2).orElseThrow());
        HalError e = new HalError.NotFound("x");
        HalResult<Integer> err = HalResult.err(e);
        assertSame(e, ((HalResult.Err<Integer>) err.flatMap(x -> HalResult.ok(x + 1))).error());
    }

    @Test
    void pciDeviceSplitsTheClassCode() {
        PciDevice d = new PciDevice(new PciAddress(0, 0, 2, 0), 0x1af4, 0x1042, 0x018000, 1, 0x1af4, 0x1100,
                List.of(new PciBar(0, 0x4000_0000L, 0x1000, PciBar.IORESOURCE_MEM | PciBar.IORESOURCE_MEM_64)),
                java.util.OptionalInt.empty(), java.util.Optional.empty());
        assertEquals(0x01, d.baseClass());
        assertEquals(0x80, d.subclass());
        assertEquals(0x00, d.progIf());
        assertTrue(d.bar(0).orElseThrow().is64Bit() && d.bar(0).orElseThrow().isMemory());
        assertTrue(d.bar(1).isEmpty());
    }
}
