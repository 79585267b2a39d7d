package dev.kosh.memory.internal;

import static dev.kosh.memory.AccessKind.EXECUTE;
import static dev.kosh.memory.AccessKind.READ;
import static dev.kosh.memory.AccessKind.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kosh.memory.AllocResult;
import dev.kosh.memory.CreateSpaceResult;
import dev.kosh.memory.MapResult;
import dev.kosh.memory.PageMapping;
import dev.kosh.memory.PageSize;
import dev.kosh.memory.PhysicalMemory;
import dev.kosh.memory.ProtectResult;
import dev.kosh.memory.Protection;
import dev.kosh.memory.Translation;
import dev.kosh.memory.UnmapResult;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PagedAddressSpaceTest {

    private static final long VA = 0x0000_0000_4000_0000L; // 1 GiB: PML4 0, PDPT 1, PD 0, PT 0
    private static final long KERNEL_VA = 0xFFFF_8000_0000_0000L; // first canonical upper-half address

    private PhysicalMemory memory;
    private PagedAddressSpace space;
    private long freeBefore;

    @BeforeEach
    void setUp() {
        memory = PhysicalMemory.create(8L << 20, 10, List.of());
        freeBefore = memory.stats().freeFrames();
        space = newSpace();
    }

    @AfterEach
    void tearDown() {
        space.close();
        memory.close();
    }

    private PagedAddressSpace newSpace() {
        return (PagedAddressSpace) assertInstanceOf(CreateSpaceResult.Created.class, memory.newAddressSpace()).space();
    }

    private long mapped(MapResult result) {
        return assertInstanceOf(MapResult.Mapped.class, result).physicalAddress();
    }

    private long physical(Translation t) {
        return assertInstanceOf(Translation.Physical.class, t).physicalAddress();
    }

    @Test
    void newSpaceHoldsOnlyAZeroedRoot() {
        assertEquals(1, space.pageTableFrames());
        assertEquals(freeBefore - 1, memory.stats().freeFrames());
        MemorySegment root = memory.segment(space.rootTable(), 4096);
        for (int i = 0; i < 512; i++) {
            assertEquals(0, root.getAtIndex(ValueLayout.JAVA_LONG, i), "entry " + i);
        }
    }

    @Test
    void mappingA4kPageBuildsThreeTablesAndTranslatesEveryOffset() {
        long frame = mapped(space.mapAnonymous(VA, PageSize.SIZE_4K, Protection.USER_READ_WRITE));
        assertEquals(4, space.pageTableFrames());
        assertEquals(1, space.mappedPages(PageSize.SIZE_4K));
        assertEquals(frame, physical(space.translate(VA, READ, true)));
        assertEquals(frame + 0xABC, physical(space.translate(VA + 0xABC, WRITE, true)));
        assertEquals(frame + 0xFFF, physical(space.translate(VA + 0xFFF, READ, false)));
    }

    @Test
    void tablesAreStoredAsLittleEndianX86EntriesInArenaFrames() {
        long frame = mapped(space.mapAnonymous(VA, PageSize.SIZE_4K, Protection.USER_READ));
        MemorySegment bytes = memory.segment(space.leafEntryAddress(VA), 8);
        long raw = 0;
        for (int i = 7; i >= 0; i--) {
            raw = (raw << 8) | (bytes.get(ValueLayout.JAVA_BYTE, i) & 0xFF);
        }
        // P | US | NX | OWNED, frame address in bits 12..51, nothing else.
        assertEquals(frame | 1L | 4L | (1L << 63) | (1L << 9), raw);
        long pml4e = memory.segment(space.rootTable(), 4096).get(PageTableEntryDescriptor.ENTRY, 0);
        assertEquals(PageTableEntryDescriptor.TABLE_FLAGS, pml4e & 0xFFF);
    }

    @Test
    void anonymousPagesAreZeroedEvenIfTheFrameWasDirty() {
        long dirty = assertInstanceOf(AllocResult.Allocated.class, memory.allocate(0)).physicalAddress();
        memory.segment(dirty, 4096).fill((byte) 0x5A);
        memory.free(dirty, 0);
        long frame = mapped(space.mapAnonymous(VA, PageSize.SIZE_4K, Protection.USER_READ_WRITE));
        MemorySegment page = memory.segment(frame, 4096);
        for (int i = 0; i < 4096; i++) {
            assertEquals(0, page.get(ValueLayout.JAVA_BYTE, i));
        }
    }

    @Test
    void largePageIsPhysicallyContiguousAndAligned() {
        long frame = mapped(space.mapAnonymous(VA, PageSize.SIZE_2M, Protection.USER_READ_WRITE));
        assertEquals(0, frame % (2L << 20));
        assertEquals(3, space.pageTableFrames(), "PML4, PDPT and PD: no page table under a large page");
        assertEquals(frame + 0x1F_FFFF, physical(space.translate(VA + 0x1F_FFFF, READ, true)));
        assertEquals(freeBefore - 3 - 512, memory.stats().freeFrames());
        PageMapping m = space.lookup(VA + 12345).orElseThrow();
        assertEquals(new PageMapping(VA, frame, PageSize.SIZE_2M, Protection.USER_READ_WRITE, true, false, true), m);
    }

    @Test
    void upperHalfAddressesWork() {
        long frame = mapped(space.mapAnonymous(KERNEL_VA, PageSize.SIZE_4K, Protection.KERNEL_READ_WRITE));
        assertEquals(frame + 8, physical(space.translate(KERNEL_VA + 8, WRITE, false)));
        long last = -4096L; // 0xFFFF_FFFF_FFFF_F000: PML4 511 ... PT 511
        long frame2 = mapped(space.mapAnonymous(last, PageSize.SIZE_4K, Protection.KERNEL_READ_WRITE));
        assertEquals(frame2 + 0xFFF, physical(space.translate(-1L, READ, false)));
    }

    @Test
    void mapDecodeRejectsBadArgumentsWithoutChangingAnything() {
        long nonCanonical = 0x0000_8000_0000_0000L;
        assertEquals(new MapResult.NonCanonical(nonCanonical),
                space.mapAnonymous(nonCanonical, PageSize.SIZE_4K, Protection.USER_READ));
        assertEquals(new MapResult.Unaligned(VA + 8, PageSize.SIZE_4K),
                space.mapAnonymous(VA + 8, PageSize.SIZE_4K, Protection.USER_READ));
        assertEquals(new MapResult.Unaligned(VA + 4096, PageSize.SIZE_2M),
                space.mapAnonymous(VA + 4096, PageSize.SIZE_2M, Protection.USER_READ));
        assertEquals(1, space.pageTableFrames());
        assertEquals(freeBefore - 1, memory.stats().freeFrames());
    }

    @Test
    void mappingOverAnExistingPageIsRefused() {
        space.mapAnonymous(VA, PageSize.SIZE_4K, Protection.USER_READ);
        long free = memory.stats().freeFrames();
        assertEquals(new MapResult.AlreadyMapped(VA), space.mapAnonymous(VA, PageSize.SIZE_4K, Protection.USER_READ));
        assertEquals(new MapResult.AlreadyMapped(VA), space.mapAnonymous(VA, PageSize.SIZE_2M, Protection.USER_READ));
        assertEquals(free, memory.stats().freeFrames(), "a refused map leaks no frame");
    }

    @Test
    void smallPageInsideALargePageIsRefused() {
        space.mapAnonymous(VA, PageSize.SIZE_2M, Protection.USER_READ);
        assertEquals(new MapResult.AlreadyMapped(VA + 0x5000),
                space.mapAnonymous(VA + 0x5000, PageSize.SIZE_4K, Protection.USER_READ));
    }

    @Test
    void mapFrameChecksTheFrameAndLeavesItToTheCaller() {
        long frame = assertInstanceOf(AllocResult.Allocated.class, memory.allocate(0)).physicalAddress();
        assertEquals(new MapResult.Unaligned(frame + 1, PageSize.SIZE_4K),
                space.mapFrame(VA, frame + 1, PageSize.SIZE_4K, Protection.USER_READ));
        assertEquals(new MapResult.FrameOutsideArena(8L << 20, PageSize.SIZE_4K),
                space.mapFrame(VA, 8L << 20, PageSize.SIZE_4K, Protection.USER_READ));
        assertEquals(new MapResult.FrameOutsideArena(-4096, PageSize.SIZE_4K),
                space.mapFrame(VA, -4096, PageSize.SIZE_4K, Protection.USER_READ));
        // The allocation split a larger block; the frame after it went back to a free list
        // (its buddy may be the PML4, which is allocated).
        long freeFrame = frame + 4096;
        assertFalse(memory.stats().freeFrames() == 0);
        assertEquals(new MapResult.FrameNotAllocated(freeFrame, PageSize.SIZE_4K),
                space.mapFrame(VA, freeFrame, PageSize.SIZE_4K, Protection.USER_READ));
        assertEquals(new MapResult.FrameNotAllocated(0, PageSize.SIZE_2M),
                space.mapFrame(VA, 0, PageSize.SIZE_2M, Protection.USER_READ));

        assertEquals(frame, mapped(space.mapFrame(VA, frame, PageSize.SIZE_4K, Protection.USER_READ)));
        UnmapResult unmapped = space.unmap(VA);
        assertEquals(new UnmapResult.Unmapped(VA, frame, PageSize.SIZE_4K, false), unmapped);
        assertInstanceOf(dev.kosh.memory.FreeResult.Freed.class, memory.free(frame, 0), "still the caller's");
    }

    @Test
    void sameFrameMayBeMappedInTwoSpaces() {
        long frame = assertInstanceOf(AllocResult.Allocated.class, memory.allocate(0)).physicalAddress();
        try (PagedAddressSpace other = newSpace()) {
            mapped(space.mapFrame(VA, frame, PageSize.SIZE_4K, Protection.USER_READ_WRITE));
            mapped(other.mapFrame(VA + 0x10_0000, frame, PageSize.SIZE_4K, Protection.USER_READ));
            assertEquals(physical(space.translate(VA + 4, WRITE, true)),
                    physical(other.translate(VA + 0x10_0004, READ, true)));
            assertInstanceOf(Translation.ProtectionViolation.class, other.translate(VA + 0x10_0004, WRITE, true));
        }
        space.unmap(VA);
        memory.free(frame, 0);
    }

    @Test
    void translatingAnUnmappedAddressNamesTheLevelWhereTheWalkStopped() {
        assertEquals(new Translation.NotPresent(VA, READ, true, 4), space.translate(VA, READ, true));
        space.mapAnonymous(VA, PageSize.SIZE_4K, Protection.USER_READ);
        assertEquals(new Translation.NotPresent(VA + 4096, WRITE, false, 1), space.translate(VA + 4096, WRITE, false));
        assertEquals(new Translation.NotPresent(VA + (2L << 20), READ, true, 2),
                space.translate(VA + (2L << 20), READ, true));
        assertEquals(new Translation.NotPresent(VA + (1L << 30), READ, true, 3),
                space.translate(VA + (1L << 30), READ, true));
    }

    @Test
    void faultErrorCodesMatchX86() {
        space.mapAnonymous(VA, PageSize.SIZE_4K, Protection.KERNEL_READ);
        assertEquals(0b00110, ((Translation.PageFault) space.translate(VA + 4096, WRITE, true)).errorCode());
        assertEquals(0b00101, ((Translation.PageFault) space.translate(VA, READ, true)).errorCode());
        assertEquals(0b00011, ((Translation.PageFault) space.translate(VA, WRITE, false)).errorCode());
        assertEquals(0b10001, ((Translation.PageFault) space.translate(VA, EXECUTE, false)).errorCode());
    }

    @Test
    void userModeCannotTouchSupervisorPages() {
        space.mapAnonymous(VA, PageSize.SIZE_4K, Protection.KERNEL_READ_WRITE);
        assertEquals(new Translation.ProtectionViolation(VA, READ, true), space.translate(VA, READ, true));
        assertInstanceOf(Translation.Physical.class, space.translate(VA, WRITE, false));
    }

    @Test
    void writesToReadOnlyPagesFaultInBothModes() {
        space.mapAnonymous(VA, PageSize.SIZE_4K, Protection.USER_READ);
        assertEquals(new Translation.ProtectionViolation(VA, WRITE, true), space.translate(VA, WRITE, true));
        assertEquals(new Translation.ProtectionViolation(VA, WRITE, false), space.translate(VA, WRITE, false));
    }

    @Test
    void noExecuteIsHonoured() {
        space.mapAnonymous(VA, PageSize.SIZE_4K, Protection.USER_READ_WRITE);
        space.mapAnonymous(VA + 4096, PageSize.SIZE_4K, Protection.USER_READ_EXECUTE);
        assertEquals(new Translation.NoExecute(VA, EXECUTE, true), space.translate(VA, EXECUTE, true));
        assertEquals(new Translation.NoExecute(VA, EXECUTE, false), space.translate(VA, EXECUTE, false));
        assertInstanceOf(Translation.Physical.class, space.translate(VA + 4096, EXECUTE, true));
    }

    @Test
    void nonCanonicalAddressesAreAGeneralProtectionFault() {
        long bad = 0x0001_0000_0000_0000L;
        assertEquals(new Translation.NonCanonical(bad, READ, true), space.translate(bad, READ, true));
        assertEquals(new UnmapResult.NonCanonical(bad), space.unmap(bad));
        assertEquals(new ProtectResult.NonCanonical(bad), space.protect(bad, Protection.USER_READ));
        assertTrue(space.lookup(bad).isEmpty());
    }

    @Test
    void restrictiveIntermediateEntriesRestrictEverythingBelow() {
        space.mapAnonymous(VA, PageSize.SIZE_4K, Protection.USER_READ_WRITE);
        long pml4e = space.rootTable();
        long entry = space.readEntry(pml4e);
        space.writeEntry(pml4e, entry & ~PageTableEntryDescriptor.WRITABLE);
        space.flushTlb();
        assertInstanceOf(Translation.ProtectionViolation.class, space.translate(VA, WRITE, true));
        space.writeEntry(pml4e, entry | PageTableEntryDescriptor.NO_EXECUTE);
        space.flushTlb();
        assertInstanceOf(Translation.Physical.class, space.translate(VA, WRITE, true));
        space.protect(VA, new Protection(true, true, true));
        assertInstanceOf(Translation.NoExecute.class, space.translate(VA, EXECUTE, true));
        space.writeEntry(pml4e, entry & ~PageTableEntryDescriptor.USER);
        space.flushTlb();
        assertInstanceOf(Translation.ProtectionViolation.class, space.translate(VA, READ, true));
        space.writeEntry(pml4e, entry);
    }

    @Test
    void pageSizeBitInAPdptEntryIsAReservedBitFault() {
        space.mapAnonymous(VA, PageSize.SIZE_4K, Protection.USER_READ_WRITE);
        long pdpte = space.readEntry(space.rootTable()) & PageTableEntryDescriptor.ADDRESS_MASK;
        long slot = pdpte + 8L * PageTableEntryDescriptor.index(VA, 3);
        long entry = space.readEntry(slot);
        space.writeEntry(slot, entry | PageTableEntryDescriptor.PAGE_SIZE);
        space.flushTlb();
        Translation t = space.translate(VA, READ, true);
        assertEquals(new Translation.ReservedBit(VA, READ, true, 3), t);
        assertEquals(0b01101, ((Translation.PageFault) t).errorCode());
        space.writeEntry(slot, entry);
    }

    @Test
    void walkSetsAccessedAndWriteSetsDirty() {
        space.mapAnonymous(VA, PageSize.SIZE_4K, Protection.USER_READ_WRITE);
        PageMapping fresh = space.lookup(VA).orElseThrow();
        assertFalse(fresh.accessed());
        assertFalse(fresh.dirty());
        space.translate(VA, READ, true);
        assertTrue(space.lookup(VA).orElseThrow().accessed());
        assertFalse(space.lookup(VA).orElseThrow().dirty());
        assertTrue((space.readEntry(space.rootTable()) & PageTableEntryDescriptor.ACCESSED) != 0, "PML4 entry accessed");
        // The read filled the TLB with a clean entry; the write must still reach the PTE.
        space.translate(VA, WRITE, true);
        assertTrue(space.lookup(VA).orElseThrow().dirty());
    }

    @Test
    void faultingAccessLeavesTheLeafUntouched() {
        space.mapAnonymous(VA, PageSize.SIZE_4K, Protection.USER_READ);
        space.translate(VA, WRITE, true);
        PageMapping m = space.lookup(VA).orElseThrow();
        assertFalse(m.accessed());
        assertFalse(m.dirty());
    }

    @Test
    void secondTranslationOfAPageHitsTheTlb() {
        space.mapAnonymous(VA, PageSize.SIZE_4K, Protection.USER_READ_WRITE);
        space.mapAnonymous(VA + (4L << 20), PageSize.SIZE_2M, Protection.USER_READ_WRITE);
        space.translate(VA, READ, true);
        space.translate(VA + (4L << 20), READ, true);
        long misses = space.tlbMisses();
        long hits = space.tlbHits();
        space.translate(VA + 100, READ, true);
        space.translate(VA + (4L << 20) + 0x10_0000, READ, false);
        assertEquals(misses, space.tlbMisses());
        assertEquals(hits + 2, space.tlbHits());
    }

    @Test
    void tlbIsNotCoherentUntilInvalidatedLikeHardware() {
        long frame = mapped(space.mapAnonymous(VA, PageSize.SIZE_4K, Protection.USER_READ_WRITE));
        long other = assertInstanceOf(AllocResult.Allocated.class, memory.allocate(0)).physicalAddress();
        assertEquals(frame, physical(space.translate(VA, WRITE, true)));
        long slot = space.leafEntryAddress(VA);
        long entry = space.readEntry(slot);
        space.writeEntry(slot, (entry & ~PageTableEntryDescriptor.ADDRESS_MASK) | other);
        assertEquals(frame, physical(space.translate(VA, READ, true)), "stale until invlpg");
        space.invalidatePage(VA + 0x123);
        assertEquals(other, physical(space.translate(VA, READ, true)));

        space.writeEntry(slot, entry);
        assertEquals(other, physical(space.translate(VA, READ, true)), "stale until flush");
        space.flushTlb();
        assertEquals(frame, physical(space.translate(VA, READ, true)));
        memory.free(other, 0);
    }

    @Test
    void invalidatingAnyAddressInALargePageDropsIt() {
        long frame = mapped(space.mapAnonymous(VA, PageSize.SIZE_2M, Protection.USER_READ_WRITE));
        space.translate(VA, READ, true);
        long slot = space.leafEntryAddress(VA);
        long entry = space.readEntry(slot);
        space.writeEntry(slot, entry & ~PageTableEntryDescriptor.USER);
        assertEquals(frame + 0x1000, physical(space.translate(VA + 0x1000, READ, true)));
        space.invalidatePage(VA + 0x1F_0000);
        assertInstanceOf(Translation.ProtectionViolation.class, space.translate(VA + 0x1000, READ, true));
        space.writeEntry(slot, entry);
    }

    @Test
    void unmapFreesTheFrameAndEveryTableThatBecameEmpty() {
        space.mapAnonymous(VA, PageSize.SIZE_4K, Protection.USER_READ_WRITE);
        space.mapAnonymous(VA + 4096, PageSize.SIZE_4K, Protection.USER_READ_WRITE);
        space.translate(VA, READ, true);
        UnmapResult first = space.unmap(VA);
        assertInstanceOf(UnmapResult.Unmapped.class, first);
        assertTrue(((UnmapResult.Unmapped) first).frameFreed());
        assertEquals(4, space.pageTableFrames(), "the page table still holds the second page");
        assertInstanceOf(Translation.NotPresent.class, space.translate(VA, READ, true), "no stale TLB entry");
        space.unmap(VA + 4096);
        assertEquals(1, space.pageTableFrames());
        assertEquals(freeBefore - 1, memory.stats().freeFrames());
        assertEquals(0, space.readEntry(space.rootTable()));
    }

    @Test
    void unmapDecodeErrors() {
        assertEquals(new UnmapResult.NotMapped(VA), space.unmap(VA));
        assertEquals(new UnmapResult.Unaligned(VA + 1, PageSize.SIZE_4K), space.unmap(VA + 1));
        space.mapAnonymous(VA, PageSize.SIZE_2M, Protection.USER_READ);
        assertEquals(new UnmapResult.Unaligned(VA + 4096, PageSize.SIZE_2M), space.unmap(VA + 4096));
        assertInstanceOf(UnmapResult.Unmapped.class, space.unmap(VA));
        assertEquals(freeBefore - 1, memory.stats().freeFrames());
    }

    @Test
    void protectChangesRightsKeepsAccessedDirtyAndInvalidates() {
        long frame = mapped(space.mapAnonymous(VA, PageSize.SIZE_4K, Protection.USER_READ_WRITE));
        space.translate(VA, WRITE, true);
        assertEquals(new ProtectResult.Protected(VA, PageSize.SIZE_4K, Protection.USER_READ_WRITE),
                space.protect(VA, Protection.USER_READ));
        assertInstanceOf(Translation.ProtectionViolation.class, space.translate(VA, WRITE, true));
        PageMapping m = space.lookup(VA).orElseThrow();
        assertEquals(new PageMapping(VA, frame, PageSize.SIZE_4K, Protection.USER_READ, true, true, true), m);
        space.protect(VA, Protection.USER_READ_EXECUTE);
        assertInstanceOf(Translation.Physical.class, space.translate(VA, EXECUTE, true));
    }

    @Test
    void protectDecodeErrors() {
        assertEquals(new ProtectResult.NotMapped(VA), space.protect(VA, Protection.USER_READ));
        assertEquals(new ProtectResult.Unaligned(VA + 2, PageSize.SIZE_4K), space.protect(VA + 2, Protection.USER_READ));
        space.mapAnonymous(VA, PageSize.SIZE_2M, Protection.USER_READ);
        assertEquals(new ProtectResult.Unaligned(VA + 8192, PageSize.SIZE_2M),
                space.protect(VA + 8192, Protection.USER_READ_WRITE));
        assertEquals(new ProtectResult.Protected(VA, PageSize.SIZE_2M, Protection.USER_READ),
                space.protect(VA, Protection.USER_READ_WRITE));
    }

    @Test
    void closeReturnsEveryDataAndTableFrame() {
        for (int i = 0; i < 20; i++) {
            space.mapAnonymous(VA + i * 0x20_1000L, PageSize.SIZE_4K, Protection.USER_READ_WRITE);
        }
        space.mapAnonymous(0x7FFF_FFE0_0000L, PageSize.SIZE_2M, Protection.USER_READ_WRITE);
        space.mapAnonymous(KERNEL_VA, PageSize.SIZE_4K, Protection.KERNEL_READ_WRITE);
        assertTrue(memory.stats().freeFrames() < freeBefore - 512);
        space.close();
        assertEquals(freeBefore, memory.stats().freeFrames());
        assertEquals(memory.stats().freeBlocks(10), 2);
        space.close(); // idempotent
    }

    @Test
    void useAfterCloseIsAKernelBug() {
        space.close();
        assertThrows(IllegalStateException.class, () -> space.translate(VA, READ, true));
        assertThrows(IllegalStateException.class, () -> space.mapAnonymous(VA, PageSize.SIZE_4K, Protection.USER_READ));
        assertThrows(IllegalStateException.class, () -> space.unmap(VA));
        assertThrows(IllegalStateException.class, space::rootTable);
    }

    @Test
    void runningOutOfFramesForTablesRollsBackTheMap() {
        PhysicalMemory tiny = PhysicalMemory.create(4 * 4096, 2, List.of());
        try {
            PagedAddressSpace s = (PagedAddressSpace) assertInstanceOf(CreateSpaceResult.Created.class,
                    tiny.newAddressSpace()).space();
            // 4 frames: root + data + PDPT + PD, then the page table cannot be allocated.
            assertEquals(new MapResult.OutOfMemory(VA, PageSize.SIZE_4K),
                    s.mapAnonymous(VA, PageSize.SIZE_4K, Protection.USER_READ));
            assertEquals(3, tiny.stats().freeFrames(), "data frame and both new tables given back");
            assertEquals(1, s.pageTableFrames());
            assertEquals(0, s.readEntry(s.rootTable()));
            s.close();
            assertEquals(4, tiny.stats().freeFrames());
            while (tiny.allocate(0) instanceof AllocResult.Allocated) {
                // drain
            }
            assertInstanceOf(CreateSpaceResult.OutOfMemory.class, tiny.newAddressSpace());
        } finally {
            tiny.close();
        }
    }
}
