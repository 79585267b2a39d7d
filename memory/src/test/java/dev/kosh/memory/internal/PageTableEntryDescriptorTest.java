package dev.kosh.memory.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;

import dev.kosh.memory.Protection;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PageTableEntryDescriptorTest {

    @Test
    void bitsSitWhereTheSdmPutsThem() {
        assertEquals(1L, PageTableEntryDescriptor.PRESENT);
        assertEquals(1L << 1, PageTableEntryDescriptor.WRITABLE);
        assertEquals(1L << 2, PageTableEntryDescriptor.USER);
        assertEquals(1L << 5, PageTableEntryDescriptor.ACCESSED);
        assertEquals(1L << 6, PageTableEntryDescriptor.DIRTY);
        assertEquals(1L << 7, PageTableEntryDescriptor.PAGE_SIZE);
        assertEquals(Long.MIN_VALUE, PageTableEntryDescriptor.NO_EXECUTE);
        assertEquals(0x000F_FFFF_FFFF_F000L, PageTableEntryDescriptor.ADDRESS_MASK);
        assertEquals(0, PageTableEntryDescriptor.OWNED & ~0xE00L, "software bit among AVL bits 9..11");
    }

    @Test
    void indexTakesNineBitsPerLevel() {
        long va = (0x1A3L << 39) | (0x0F1L << 30) | (0x155L << 21) | (0x0AAL << 12) | 0x123;
        assertEquals(0x1A3, PageTableEntryDescriptor.index(va | 0xFFFF_0000_0000_0000L, 4));
        assertEquals(0x0F1, PageTableEntryDescriptor.index(va, 3));
        assertEquals(0x155, PageTableEntryDescriptor.index(va, 2));
        assertEquals(0x0AA, PageTableEntryDescriptor.index(va, 1));
    }

    @Test
    void canonicalMeansBits48To63CopyBit47() {
        assertTrue(PageTableEntryDescriptor.canonical(0));
        assertTrue(PageTableEntryDescriptor.canonical(0x0000_7FFF_FFFF_FFFFL));
        assertTrue(PageTableEntryDescriptor.canonical(0xFFFF_8000_0000_0000L));
        assertTrue(PageTableEntryDescriptor.canonical(-1));
        assertFalse(PageTableEntryDescriptor.canonical(0x0000_8000_0000_0000L));
        assertFalse(PageTableEntryDescriptor.canonical(0xFFFF_7FFF_FFFF_FFFFL));
        assertFalse(PageTableEntryDescriptor.canonical(0x0100_0000_0000_0000L));
    }

    @Test
    void protectionSurvivesARoundTripThroughEntryBits() {
        qt().forAll(booleans().all(), booleans().all(), booleans().all()).checkAssert((w, x, u) -> {
            Protection p = new Protection(w, x, u);
            long entry = 0x1234_5000L | PageTableEntryDescriptor.PRESENT | PageTableEntryDescriptor.protectionBits(p);
            assertEquals(p, PageTableEntryDescriptor.protectionOf(entry));
            assertEquals(0, PageTableEntryDescriptor.protectionBits(p) & ~PageTableEntryDescriptor.PROTECTION_MASK);
        });
    }
}
