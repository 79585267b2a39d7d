package dev.kosh.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class DriverManifestTest {

    @Test
    void aDriverManifestGivesNameRulesRequirementsAndWhatItProvides() {
        DriverDescriptor d = DriverManifest.parse("dev.kosh.driver.ext4", Map.of("Kosh-Driver", " ext4 ",
                "Kosh-Driver-Match", "pci:8086:*:01:06, platform:virtio-mmio", "Kosh-Driver-Requires", "block, clock",
                "Kosh-Driver-Provides", "fs")).orThrow();
        assertEquals("ext4", d.name());
        assertEquals("dev.kosh.driver.ext4", d.bundle());
        assertEquals(List.of(new MatchRule.Pci(0x8086, MatchRule.ANY, 1, 6), new MatchRule.Platform("virtio-mmio")), d.matches());
        assertEquals(Set.of("block", "clock"), d.requires());
        assertEquals(Set.of("fs", "ext4"), d.provides());
    }

    @Test
    void onlyTheDriverNameIsRequired() {
        DriverDescriptor d = DriverManifest.parse("b", Map.of("Kosh-Driver", "null")).orThrow();
        assertEquals(List.of(), d.matches());
        assertEquals(Set.of(), d.requires());
        assertEquals(Set.of("null"), d.provides());
    }

    @Test
    void everyManifestErrorNamesItsHeaderAndEntry() {
        assertEquals("Kosh-Driver: '': a driver bundle names its driver in Kosh-Driver", invalid(Map.of()));
        assertEquals("Kosh-Driver: 'a b': a driver name is letters, digits, . _ -", invalid(Map.of("Kosh-Driver", "a b")));
        assertEquals("Kosh-Driver-Match: 'pci:xyz': vendor 'xyz' is not * or at most 4 hex digits",
                invalid(Map.of("Kosh-Driver", "d", "Kosh-Driver-Match", "pci:1234, pci:xyz")));
        assertEquals("Kosh-Driver-Requires: 'bl/ock': a driver or service name is letters, digits, . _ -",
                invalid(Map.of("Kosh-Driver", "d", "Kosh-Driver-Requires", "bl/ock")));
        assertEquals("Kosh-Driver-Provides: '$': a driver or service name is letters, digits, . _ -",
                invalid(Map.of("Kosh-Driver", "d", "Kosh-Driver-Provides", "$")));
        assertEquals("Kosh-Driver-Requires: 'block': driver d cannot require what it provides itself",
                invalid(Map.of("Kosh-Driver", "d", "Kosh-Driver-Requires", "block", "Kosh-Driver-Provides", "block")));
        assertEquals("Kosh-Driver-Requires: 'd': driver d cannot require what it provides itself",
                invalid(Map.of("Kosh-Driver", "d", "Kosh-Driver-Requires", "d")));
    }

    @Test
    void aDescriptorRefusesWhatAManifestCouldNotSay() {
        assertThrows(IllegalArgumentException.class, () -> new DriverDescriptor(" ", "b", List.of(), Set.of(), Set.of()));
        assertThrows(IllegalArgumentException.class, () -> new DriverDescriptor("d", "b", List.of(), Set.of("d"), Set.of()));
        assertThrows(IllegalArgumentException.class, () -> new Parsed.Invalid<String>("h", "e", "r").orThrow());
    }

    private static String invalid(Map<String, String> headers) {
        return assertInstanceOf(Parsed.Invalid.class, DriverManifest.parse("b", headers)).message();
    }
}
