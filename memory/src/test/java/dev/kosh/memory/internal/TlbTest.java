package dev.kosh.memory.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class TlbTest {

    private static final int ALL = Tlb.WRITE | Tlb.USER | Tlb.EXECUTE | Tlb.DIRTY;

    @Test
    void emptyTlbMissesEverything() {
        Tlb tlb = new Tlb();
        assertEquals(Tlb.MISS, tlb.lookup(0, 0));
        assertEquals(Tlb.MISS, tlb.lookup(-4096, 0));
        assertEquals(0, tlb.validEntries());
    }

    @Test
    void hitKeepsThePageOffset() {
        Tlb tlb = new Tlb();
        tlb.fillSmall(0x7000, 0x55000, ALL);
        tlb.fillLarge(0x4000_0000L, 0x20_0000, ALL);
        assertEquals(0x55ABC, tlb.lookup(0x7ABC, Tlb.WRITE));
        assertEquals(0x21_2345, tlb.lookup(0x4001_2345L, Tlb.USER));
    }

    @Test
    void insufficientCachedRightsAreAMissNotAFault() {
        Tlb tlb = new Tlb();
        tlb.fillSmall(0x7000, 0x55000, Tlb.USER);
        assertEquals(0x55000, tlb.lookup(0x7000, Tlb.USER));
        assertEquals(Tlb.MISS, tlb.lookup(0x7000, Tlb.WRITE | Tlb.DIRTY));
        assertEquals(Tlb.MISS, tlb.lookup(0x7000, Tlb.EXECUTE));
        tlb.fillSmall(0x8000, 0x56000, Tlb.WRITE | Tlb.USER);
        assertEquals(Tlb.MISS, tlb.lookup(0x8000, Tlb.WRITE | Tlb.DIRTY), "clean entry: the walk must set D");
    }

    @Test
    void pagesSharingASlotEvictEachOther() {
        Tlb tlb = new Tlb();
        long a = 0x1000;
        long b = a + ((long) Tlb.SMALL_ENTRIES << 12);
        tlb.fillSmall(a, 0x10000, ALL);
        tlb.fillSmall(b, 0x20000, ALL);
        assertEquals(Tlb.MISS, tlb.lookup(a, 0));
        assertEquals(0x20000, tlb.lookup(b, 0));
    }

    @Test
    void invalidateDropsOnlyTheEntriesCoveringTheAddress() {
        Tlb tlb = new Tlb();
        tlb.fillSmall(0x1000, 0x10000, ALL);
        tlb.fillSmall(0x2000, 0x11000, ALL);
        tlb.fillLarge(0x20_0000, 0x40_0000, ALL);
        tlb.invalidate(0x1FFF);
        assertEquals(Tlb.MISS, tlb.lookup(0x1000, 0));
        assertEquals(0x11000, tlb.lookup(0x2000, 0));
        tlb.invalidate(0x3F_F000);
        assertEquals(Tlb.MISS, tlb.lookup(0x20_0000, 0));
        tlb.invalidate(0x1000 + ((long) Tlb.SMALL_ENTRIES << 12)); // same slot, other page: no effect
        assertEquals(0x11000, tlb.lookup(0x2000, 0));
        assertEquals(1, tlb.validEntries());
        tlb.flush();
        assertEquals(0, tlb.validEntries());
    }
}
