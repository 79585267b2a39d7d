package dev.kosh.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kosh.driver.Specificity.Tier;

@Timeout(10)
class MatchRuleTest {
    private static MatchRule rule(String s) {
        return MatchRule.parse("H", s).orThrow();
    }

    private static String error(String s) {
        return assertInstanceOf(Parsed.Invalid.class, MatchRule.parse("Kosh-Driver-Match", s)).message();
    }

    @Test
    void pciEntriesParseWithWildcardsAndLeftOutTrailingFields() {
        assertEquals(new MatchRule.Pci(0x8086, MatchRule.ANY, 0x02, 0x00), rule("pci:8086:*:02:00"));
        assertEquals(new MatchRule.Pci(MatchRule.ANY, MatchRule.ANY, 0x01, 0x06), rule(" pci:*:*:01:06 "));
        assertEquals(new MatchRule.Pci(0x1234, 0x11e8, MatchRule.ANY, MatchRule.ANY), rule("pci:1234:11E8"));
        assertEquals("pci:1234:11e8:*:*", rule("pci:1234:11e8").toString());
        assertEquals(new MatchRule.Platform("virtio-mmio"), rule("platform:virtio-mmio"));
        assertEquals("platform:virtio-mmio", rule("platform:virtio-mmio").toString());
    }

    @Test
    void malformedEntriesSayWhichFieldIsWrongAndWhatIsExpected() {
        assertEquals("Kosh-Driver-Match: 'usb:1234': unknown bus 'usb' (expected pci: or platform:)", error("usb:1234"));
        assertTrue(error("pci:12345").contains("vendor '12345' is not * or at most 4 hex digits"));
        assertTrue(error("pci:8086:zz").contains("device 'zz'"));
        assertTrue(error("pci:8086:*:100").contains("class '100'"));
        assertTrue(error("pci:8086:*:01:").contains("subclass ''"));
        assertTrue(error("pci:*:1234").contains("a device id needs a vendor id"));
        assertTrue(error("pci:*:*:*:06").contains("a subclass needs a class"));
        assertTrue(error("pci:1:2:3:4:5").contains("expected pci:VENDOR"));
        assertTrue(error("pci").contains("expected pci:VENDOR"));
        assertTrue(error("platform:").contains("expected platform:NAME"));
        assertTrue(error("  ").contains("empty match entry"));
    }

    @Test
    void rulesThatCannotBeWrittenCannotBeBuilt() {
        assertThrows(IllegalArgumentException.class, () -> new MatchRule.Pci(MatchRule.ANY, 1, MatchRule.ANY, MatchRule.ANY));
        assertThrows(IllegalArgumentException.class, () -> new MatchRule.Pci(1, 1, MatchRule.ANY, 2));
        assertThrows(IllegalArgumentException.class, () -> new MatchRule.Pci(0x10000, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new MatchRule.Platform("bad name"));
    }

    @Test
    void exactIdsBeatClassWhichBeatsWildcardAndMoreFieldsBeatFewer() {
        Device edu = new Device.Pci(Hardware.pci(3, 0x1234, 0x11e8, 0x00ff00));
        Specificity exact = rule("pci:1234:11e8").match(edu).orElseThrow();
        Specificity exactWithClass = rule("pci:1234:11e8:00:ff").match(edu).orElseThrow();
        Specificity vendorClass = rule("pci:1234:*:00:ff").match(edu).orElseThrow();
        Specificity cls = rule("pci:*:*:00").match(edu).orElseThrow();
        Specificity vendor = rule("pci:1234").match(edu).orElseThrow();
        Specificity any = rule("pci:*").match(edu).orElseThrow();
        assertEquals(Tier.EXACT, exact.tier());
        assertEquals(Tier.CLASS, vendorClass.tier());
        assertEquals(Tier.WILDCARD, vendor.tier());
        List<Specificity> ascending = List.of(any, vendor, cls, vendorClass, exact, exactWithClass);
        for (int i = 1; i < ascending.size(); i++) assertTrue(ascending.get(i - 1).compareTo(ascending.get(i)) < 0, ascending.toString());
        assertEquals("exact/2", exact.toString());
    }

    @Test
    void aRuleMatchesOnlyTheIdsItFixesAndOnlyItsBus() {
        Device nic = new Device.Pci(Hardware.pci(2, 0x8086, 0x100e, 0x020000));
        Device plat = new Device.Platform(Hardware.platform("virtio-mmio@a000000", "virtio,mmio"));
        assertTrue(rule("pci:8086:*:02:00").match(nic).isPresent());
        assertEquals(Optional.empty(), rule("pci:8086:*:02:01").match(nic));
        assertEquals(Optional.empty(), rule("pci:1af4").match(nic));
        assertEquals(Optional.empty(), rule("pci:8086:100f").match(nic));
        assertEquals(Optional.empty(), rule("pci:*:*:03").match(nic));
        assertEquals(Optional.empty(), rule("pci:*").match(plat));
        assertEquals(Optional.empty(), rule("platform:virtio-mmio").match(nic));
    }

    @Test
    void platformNamesMatchWithOrWithoutTheUnitAddressAndCompatiblesRankBelowNames() {
        Device uart = new Device.Platform(Hardware.platform("uart@9000000", "arm,pl011", "arm,primecell"));
        assertEquals(new Specificity(Tier.EXACT, 1), rule("platform:uart").match(uart).orElseThrow());
        assertEquals(new Specificity(Tier.EXACT, 1), rule("platform:uart@9000000").match(uart).orElseThrow());
        Specificity first = rule("platform:arm,pl011").match(uart).orElseThrow();
        Specificity second = rule("platform:arm,primecell").match(uart).orElseThrow();
        assertEquals(Tier.CLASS, first.tier());
        assertTrue(first.compareTo(second) > 0, "an earlier compatible is more specific");
        assertEquals(Optional.empty(), rule("platform:rtc").match(uart));
    }
}
