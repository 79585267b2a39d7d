package dev.kosh.memory.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kosh.memory.spi.SwapAlgorithm;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** CLOCK's ring stays bounded by the live pages even when the hand never runs, and picks only live pages. */
class ClockSwapAlgorithmTest {

    /** Every page evictable, none accessed. */
    private static final SwapAlgorithm.Probe COLD = new SwapAlgorithm.Probe() {
        @Override
        public boolean testAndClearAccessed(SwapAlgorithm.Page page) {
            return false;
        }

        @Override
        public boolean evictable(SwapAlgorithm.Page page) {
            return true;
        }
    };

    @Test
    void mapUnmapChurnWithoutPressureDoesNotGrowTheRing() {
        ClockSwapAlgorithm clock = new ClockSwapAlgorithm();
        for (int round = 0; round < 1_000; round++) {
            for (int p = 0; p < 256; p++) {
                clock.resident(new SwapAlgorithm.Page(1, p * 4096L));
            }
            for (int p = 0; p < 256; p++) {
                clock.removed(new SwapAlgorithm.Page(1, p * 4096L));
            }
        }
        assertEquals(0, clock.size());
        assertTrue(clock.ringSize() <= 2 * 256 + 1024 + 1, "ring of " + clock.ringSize() + " slots after 256,000 pages came and went");
        assertNull(clock.victim(COLD), "no live page, no victim");
    }

    @Test
    void afterASweepTheVictimsAreExactlyTheLivePages() {
        ClockSwapAlgorithm clock = new ClockSwapAlgorithm();
        for (int p = 0; p < 5_000; p++) {
            clock.resident(new SwapAlgorithm.Page(2, p * 4096L));
            if (p % 2 == 0) clock.removed(new SwapAlgorithm.Page(2, p * 4096L));
            else clock.resident(new SwapAlgorithm.Page(2, p * 4096L)); // re-added: a new generation
        }
        Set<Long> victims = new HashSet<>();
        SwapAlgorithm.Page v;
        while ((v = clock.victim(COLD)) != null) {
            assertTrue(victims.add(v.virtualAddress()), "each live page once");
        }
        assertEquals(2_500, victims.size());
        assertTrue(victims.stream().allMatch(va -> (va / 4096) % 2 == 1));
    }
}
