package dev.kosh.hal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.quicktheories.core.Gen;

@Timeout(30)
class MemoryMapTest {

    private static MemoryRegion r(long start, long length, RegionType type) {
        return new MemoryRegion(start, length, type, type.name());
    }

    @Test
    void overlappingReservationWinsOverUsableRam() {
        MemoryMap m = MemoryMap.normalise(List.of(r(0, 100, RegionType.USABLE), r(40, 20, RegionType.RESERVED)), "t");
        assertEquals(List.of(r(0, 40, RegionType.USABLE), r(40, 20, RegionType.RESERVED), r(60, 40, RegionType.USABLE)),
                m.regions().stream().map(x -> r(x.start(), x.length(), x.type())).toList());
        assertEquals(80, m.usableBytes());
    }

    @Test
    void adjacentRegionsOfOneTypeMergeAndGapsStay() {
        MemoryMap m = MemoryMap.normalise(List.of(r(100, 50, RegionType.USABLE), r(0, 100, RegionType.USABLE),
                r(200, 10, RegionType.USABLE)), "t");
        assertEquals(2, m.regions().size());
        assertEquals(150, m.regions().getFirst().length());
        assertTrue(m.regionAt(170).isEmpty());
    }

    @Test
    void constructorRefusesUnsortedRegions() {
        assertThrows(IllegalArgumentException.class,
                () -> new MemoryMap(List.of(r(10, 10, RegionType.USABLE), r(0, 15, RegionType.USABLE)), "t"));
    }

    @Test
    void regionRefusesEmptyNegativeAndWrappingRanges() {
        assertThrows(IllegalArgumentException.class, () -> r(0, 0, RegionType.USABLE));
        assertThrows(IllegalArgumentException.class, () -> r(-1, 10, RegionType.USABLE));
        assertThrows(ArithmeticException.class, () -> r(Long.MAX_VALUE - 5, 10, RegionType.USABLE));
    }

    private static final Gen<MemoryRegion> REGIONS = integers().between(0, 1_000)
            .zip(integers().between(1, 300), integers().between(0, RegionType.values().length - 1),
                    (s, l, t) -> r(s, l, RegionType.values()[t]));

    @Test
    void normalisedMapIsSortedDisjointAndEveryAddressTakesTheStrongestCoveringType() {
        qt().withExamples(300).forAll(lists().of(REGIONS).ofSizeBetween(0, 12)).checkAssert(raw -> {
            MemoryMap m = MemoryMap.normalise(raw, "prop");
            List<MemoryRegion> out = m.regions();
            for (int i = 1; i < out.size(); i++) {
                assertTrue(out.get(i - 1).end() <= out.get(i).start(), "sorted and disjoint");
                assertTrue(out.get(i - 1).end() < out.get(i).start() || out.get(i - 1).type() != out.get(i).type(),
                        "adjacent regions of one type are merged");
            }
            // Between consecutive boundaries of the input the covering set is constant, so
            // checking one address per elementary interval checks every address.
            TreeSet<Long> probes = new TreeSet<>();
            for (MemoryRegion x : raw) {
                probes.add(x.start());
                probes.add(x.end());
                probes.add(x.end() - 1);
            }
            for (long a : probes) {
                RegionType expected = raw.stream().filter(x -> x.contains(a)).map(MemoryRegion::type)
                        .max(Enum::compareTo).orElse(null);
                assertEquals(expected, m.regionAt(a).map(MemoryRegion::type).orElse(null), "type at " + a);
            }
        });
    }

    @Test
    void usableTotalNeverExceedsTheUsableInput() {
        qt().withExamples(300).forAll(lists().of(REGIONS).ofSizeBetween(0, 12)).checkAssert(raw -> {
            long inputUsable = raw.stream().filter(x -> x.type() == RegionType.USABLE).mapToLong(MemoryRegion::length).sum();
            long inputAll = raw.stream().mapToLong(MemoryRegion::length).sum();
            MemoryMap m = MemoryMap.normalise(raw, "prop");
            assertTrue(m.usableBytes() <= inputUsable);
            assertTrue(m.regions().stream().mapToLong(MemoryRegion::length).sum() <= inputAll);
        });
    }
}
