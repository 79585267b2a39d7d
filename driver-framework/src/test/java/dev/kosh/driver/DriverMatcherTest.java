package dev.kosh.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.quicktheories.core.Gen;

@Timeout(30)
class DriverMatcherTest {
    private static final Device EDU = new Device.Pci(Hardware.pci(3, 0x1234, 0x11e8, 0x00ff00));

    @Test
    void theExactIdDriverWinsOverClassAndWildcardDrivers() {
        var choice = DriverMatcher.choose(EDU, List.of(Hardware.driver("any", "pci:*"), Hardware.driver("byclass", "pci:*:*:00:ff"),
                Hardware.driver("edu", "pci:1234:11e8"), Hardware.driver("vendor", "pci:1234")));
        var bound = assertInstanceOf(DriverMatcher.Choice.Bound.class, choice);
        assertEquals("edu", bound.chosen().driver());
        assertEquals(List.of("edu", "byclass", "vendor", "any"), bound.candidates().stream().map(DriverMatcher.Candidate::driver).toList());
        assertEquals(List.of(), bound.tiedWith());
    }

    @Test
    void aDriversMostSpecificRuleIsTheOneThatCounts() {
        var bound = assertInstanceOf(DriverMatcher.Choice.Bound.class, DriverMatcher.choose(EDU,
                List.of(Hardware.driver("multi", "pci:*, pci:1234:11e8:00:ff, pci:*:*:00"), Hardware.driver("edu", "pci:1234:11e8"))));
        assertEquals("multi", bound.chosen().driver());
        assertEquals("pci:1234:11e8:00:ff", bound.chosen().rule().toString());
    }

    @Test
    void equallySpecificDriversAreSettledByNameAndTheTieIsReported() {
        var bound = assertInstanceOf(DriverMatcher.Choice.Bound.class, DriverMatcher.choose(EDU,
                List.of(Hardware.driver("zeta", "pci:1234:11e8"), Hardware.driver("alpha", "pci:1234:11e8"), Hardware.driver("mid", "pci:1234:11e8"))));
        assertEquals("alpha", bound.chosen().driver());
        assertEquals(List.of("mid", "zeta"), bound.tiedWith());
    }

    @Test
    void aDeviceNoDriverNamesIsUnmatched() {
        assertInstanceOf(DriverMatcher.Choice.Unmatched.class, DriverMatcher.choose(EDU, List.of(Hardware.driver("nic", "pci:8086"),
                Hardware.driver("none", ""), Hardware.driver("uart", "platform:uart"))));
        assertInstanceOf(DriverMatcher.Choice.Unmatched.class, DriverMatcher.choose(EDU, List.of()));
    }

    // ---- property ------------------------------------------------------------------------------

    private static final int[] VENDORS = {0x1234, 0x8086};
    private static final int[] DEVICES = {0x11e8, 0x100e};
    private static final int[] CLASSES = {0x00, 0x02};
    private static final int[] SUBCLASSES = {0x00, 0xff};

    /** Small id spaces, so that rules often match and often tie. */
    private static final Gen<MatchRule> RULES = integers().between(0, 2).zip(integers().between(0, 2), integers().between(0, 2),
            integers().between(0, 2), (v, d, c, s) -> {
                int vendor = v == 2 ? MatchRule.ANY : VENDORS[v];
                int device = vendor == MatchRule.ANY || d == 2 ? MatchRule.ANY : DEVICES[d];
                int cls = c == 2 ? MatchRule.ANY : CLASSES[c];
                int sub = cls == MatchRule.ANY || s == 2 ? MatchRule.ANY : SUBCLASSES[s];
                return (MatchRule) new MatchRule.Pci(vendor, device, cls, sub);
            });

    private static final Gen<Device> DEVICES_GEN = integers().between(0, 15).map(i -> (Device) new Device.Pci(Hardware.pci(1,
            VENDORS[i & 1], DEVICES[(i >> 1) & 1], CLASSES[(i >> 2) & 1] << 16 | SUBCLASSES[(i >> 3) & 1] << 8)));

    private static final Gen<List<DriverDescriptor>> DRIVERS = lists().of(lists().of(RULES).ofSizeBetween(0, 3)).ofSizeBetween(0, 6)
            .map(ruleSets -> {
                List<DriverDescriptor> out = new ArrayList<>();
                for (int i = 0; i < ruleSets.size(); i++) {
                    out.add(new DriverDescriptor("d" + i, "b" + i, ruleSets.get(i), Set.of(), Set.of()));
                }
                return out;
            });

    @Test
    void theChosenDriverIsNeverLessSpecificThanAnyCandidateAndRegistrationOrderDoesNotMatter() {
        qt().withExamples(500).forAll(DEVICES_GEN, DRIVERS, longs().all()).checkAssert((device, drivers, seed) -> {
            var choice = DriverMatcher.choose(device, drivers);
            List<DriverDescriptor> matching = drivers.stream().filter(d -> DriverMatcher.best(device, d).isPresent()).toList();
            switch (choice) {
                case DriverMatcher.Choice.Unmatched u -> assertTrue(matching.isEmpty());
                case DriverMatcher.Choice.Bound b -> {
                    assertEquals(matching.size(), b.candidates().size());
                    for (DriverDescriptor d : matching) {
                        assertTrue(b.chosen().specificity().compareTo(DriverMatcher.best(device, d).orElseThrow().specificity()) >= 0,
                                b.chosen() + " less specific than " + d);
                    }
                    for (String tied : b.tiedWith()) assertTrue(b.chosen().driver().compareTo(tied) < 0);
                }
            }
            List<DriverDescriptor> shuffled = new ArrayList<>(drivers);
            Collections.shuffle(shuffled, new Random(seed));
            assertEquals(choice, DriverMatcher.choose(device, shuffled));
        });
    }
}
