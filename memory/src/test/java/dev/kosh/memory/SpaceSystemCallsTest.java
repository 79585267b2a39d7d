package dev.kosh.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** map / unmap / protect / brk / view: what a process sees of its own space, every refusal included. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class SpaceSystemCallsTest {

    private static final long PAGE = 4096;
    private static final long HINT = 0x4000_0000L;

    private PhysicalMemory memory;
    private VirtualMemory vm;
    private long initialFree;

    @BeforeEach
    void setUp() throws IOException {
        memory = PhysicalMemory.create(8L << 20, 10, List.of(MemoryRange.reserved(0, 1 << 20)));
        vm = VirtualMemory.create(memory, VmConfig.defaults().withRandom(new Random(11)));
        initialFree = memory.stats().freeFrames();
    }

    @AfterEach
    void tearDown() throws IOException {
        vm.close();
        assertEquals(initialFree, memory.stats().freeFrames(), "every frame back after the spaces closed");
        memory.close();
    }

    private VirtualAddressSpace space() {
        return ((SpaceResult.Created) vm.newSpace()).space();
    }

    private static RangeResult.Done done(RangeResult r) {
        return assertInstanceOf(RangeResult.Done.class, r);
    }

    private static void refused(RangeResult.Refusal reason, RangeResult r) {
        assertEquals(reason, assertInstanceOf(RangeResult.Refused.class, r).reason(), r.toString());
    }

    private static SignalReason signal(CopyResult r) {
        return assertInstanceOf(CopyResult.Faulted.class, r).signal().reason();
    }

    @Test
    void mapWithoutHintPicksARangeBelowTheRandomisedMmapBaseAndAllocatesNothing() {
        try (VirtualAddressSpace s = space()) {
            long free = memory.stats().freeFrames();
            RangeResult.Done a = done(s.map(0, 4, Protection.USER_READ_WRITE));
            RangeResult.Done b = done(s.map(0, 2, Protection.USER_READ_WRITE));
            assertEquals(4 * PAGE, a.length());
            assertTrue(a.start() + a.length() <= s.layout().mmapBase());
            assertTrue(b.start() + b.length() <= a.start(), "the second range lies below the first");
            assertEquals(free, memory.stats().freeFrames(), "mapping allocates no frame");
            assertEquals(new CopyResult.Copied(3), s.write(a.start() + 5, new byte[] {1, 2, 3}));
            assertEquals(1, s.residentPages());
        }
    }

    @Test
    void mapHonoursAFreeHintAndFallsBackWhenItIsTaken() {
        try (VirtualAddressSpace s = space()) {
            assertEquals(new RangeResult.Done(HINT, 2 * PAGE), s.map(HINT, 2, Protection.USER_READ));
            RangeResult.Done other = done(s.map(HINT + PAGE, 2, Protection.USER_READ));
            assertNotEquals(HINT + PAGE, other.start(), "a taken hint is only a hint");
            assertEquals(Protection.USER_READ, s.regionAt(other.start()).orElseThrow().protection());
        }
    }

    @Test
    void mapRefusesBadLengthsAndHints() {
        try (VirtualAddressSpace s = space()) {
            refused(RangeResult.Refusal.OUT_OF_RANGE, s.map(0, 0, Protection.USER_READ_WRITE));
            refused(RangeResult.Refusal.OUT_OF_RANGE, s.map(0, -1, Protection.USER_READ_WRITE));
            refused(RangeResult.Refusal.OUT_OF_RANGE, s.map(0, Long.MAX_VALUE / 2, Protection.USER_READ_WRITE));
            refused(RangeResult.Refusal.UNALIGNED, s.map(HINT + 1, 1, Protection.USER_READ_WRITE));
            refused(RangeResult.Refusal.OUT_OF_RANGE, s.map(0x7FFF_FFFF_F000L, 2, Protection.USER_READ_WRITE));
            refused(RangeResult.Refusal.OUT_OF_RANGE, s.map(-PAGE, 1, Protection.USER_READ_WRITE));
            refused(RangeResult.Refusal.NO_SPACE, s.map(0, (s.layout().mmapBase() >>> 12), Protection.USER_READ_WRITE));
            assertTrue(s.pmap().entries().isEmpty(), "a refused map leaves nothing behind");
        }
    }

    @Test
    void partialUnmapSplitsTheRegionAndFreesOnlyTheMiddle() {
        try (VirtualAddressSpace s = space()) {
            done(s.map(HINT, 8, Protection.USER_READ_WRITE));
            for (int i = 0; i < 8; i++) {
                s.write(HINT + i * PAGE, new byte[] {(byte) (i + 1)});
            }
            long free = memory.stats().freeFrames();
            assertEquals(new RangeResult.Done(HINT + 2 * PAGE, 3 * PAGE), s.unmap(HINT + 2 * PAGE, 3 * PAGE));
            assertEquals(free + 3, memory.stats().freeFrames());
            assertEquals(5, s.residentPages());
            assertEquals(new Region(HINT, 2 * PAGE, RegionKind.ANONYMOUS, Protection.USER_READ_WRITE, 0), s.regionAt(HINT).orElseThrow());
            assertEquals(new Region(HINT + 5 * PAGE, 3 * PAGE, RegionKind.ANONYMOUS, Protection.USER_READ_WRITE, 0),
                    s.regionAt(HINT + 7 * PAGE).orElseThrow());
            assertEquals(SignalReason.UNMAPPED, signal(s.read(HINT + 3 * PAGE, new byte[1])));
            byte[] one = new byte[1];
            s.read(HINT + 6 * PAGE, one);
            assertEquals(7, one[0], "the pages outside the hole keep their bytes");
            // Unmapping what is not mapped is no error (munmap), and re-mapping the hole gives fresh zeros.
            done(s.unmap(HINT + 2 * PAGE, 3 * PAGE));
            assertEquals(new RangeResult.Done(HINT + 2 * PAGE, 3 * PAGE), s.map(HINT + 2 * PAGE, 3, Protection.USER_READ_WRITE));
            s.read(HINT + 3 * PAGE, one);
            assertEquals(0, one[0]);
        }
    }

    @Test
    void unmapAcrossSeveralRegionsAndRefusals() {
        try (VirtualAddressSpace s = space()) {
            done(s.map(HINT, 2, Protection.USER_READ_WRITE));
            done(s.map(HINT + 3 * PAGE, 2, Protection.USER_READ));
            done(s.unmap(HINT + PAGE, 3 * PAGE));
            assertEquals(2, s.pmap().entries().size());
            assertEquals(PAGE, s.regionAt(HINT).orElseThrow().length());
            assertEquals(HINT + 4 * PAGE, s.regionAt(HINT + 4 * PAGE).orElseThrow().start());
            refused(RangeResult.Refusal.UNALIGNED, s.unmap(HINT + 1, PAGE));
            refused(RangeResult.Refusal.UNALIGNED, s.unmap(HINT, 100));
            refused(RangeResult.Refusal.UNALIGNED, s.unmap(HINT, 0));
            refused(RangeResult.Refusal.OUT_OF_RANGE, s.unmap(0x7FFF_FFFF_F000L, 2 * PAGE));
            refused(RangeResult.Refusal.OUT_OF_RANGE, s.unmap(0x7FFF_FFFF_F000L, Long.MAX_VALUE & -PAGE));
            assertEquals(2, s.pmap().entries().size(), "refusals change nothing");
        }
    }

    @Test
    void protectSplitsRewritesResidentPagesAndDeliversFaultsAsSignals() {
        try (VirtualAddressSpace s = space()) {
            done(s.map(HINT, 4, Protection.USER_READ_WRITE));
            assertEquals(new CopyResult.Copied(4 * PAGE), s.write(HINT, new byte[4 * (int) PAGE]));
            done(s.protect(HINT + PAGE, 2 * PAGE, Protection.USER_READ));
            assertEquals(3, s.pmap().entries().size());
            assertEquals(SignalReason.PROTECTION, signal(s.write(HINT + PAGE, new byte[1])));
            assertEquals(SignalReason.PROTECTION, signal(s.write(HINT + 2 * PAGE + 4095, new byte[1])));
            assertEquals(new CopyResult.Copied(1), s.write(HINT + 3 * PAGE, new byte[1]));
            assertEquals(new CopyResult.Copied(1), s.read(HINT + PAGE, new byte[1]));
            assertEquals(SignalReason.NO_EXECUTE,
                    assertInstanceOf(Access.Signal.class, s.access(HINT, AccessKind.EXECUTE, true)).reason());
            done(s.protect(HINT, 4 * PAGE, Protection.USER_READ_EXECUTE));
            assertInstanceOf(Access.Resolved.class, s.access(HINT + 2 * PAGE, AccessKind.EXECUTE, true));
            done(s.protect(HINT, 4 * PAGE, Protection.USER_READ_WRITE));
            assertEquals(new CopyResult.Copied(1), s.write(HINT + PAGE, new byte[] {9}), "rights given back take effect");
        }
    }

    @Test
    void protectOfARangeWithAHoleChangesNothing() {
        try (VirtualAddressSpace s = space()) {
            done(s.map(HINT, 1, Protection.USER_READ_WRITE));
            done(s.map(HINT + 2 * PAGE, 1, Protection.USER_READ_WRITE));
            refused(RangeResult.Refusal.NOT_MAPPED, s.protect(HINT, 3 * PAGE, Protection.USER_READ));
            assertEquals(new CopyResult.Copied(1), s.write(HINT, new byte[1]), "the first page kept its rights");
            refused(RangeResult.Refusal.UNALIGNED, s.protect(HINT + 8, PAGE, Protection.USER_READ));
            refused(RangeResult.Refusal.OUT_OF_RANGE, s.protect(0x7FFF_FFFF_F000L, 2 * PAGE, Protection.USER_READ));
        }
    }

    @Test
    void protectKeepsASharedPageCopyOnWrite() {
        try (VirtualAddressSpace parent = space()) {
            done(parent.map(HINT, 1, Protection.USER_READ));
            done(parent.protect(HINT, PAGE, Protection.USER_READ_WRITE));
            parent.write(HINT, new byte[] {5});
            try (VirtualAddressSpace child = ((SpaceResult.Created) parent.cloneSpace()).space()) {
                done(child.protect(HINT, PAGE, Protection.USER_READ_WRITE));
                child.write(HINT, new byte[] {6});
                byte[] b = new byte[1];
                parent.read(HINT, b);
                assertEquals(5, b[0], "the child's write after protect did not reach the parent");
                assertEquals(1, vm.stats().copyOnWriteFaults());
            }
        }
    }

    @Test
    void brkGrowsAndShrinksTheHeapAndFreesWhatIsGiven() {
        try (VirtualAddressSpace s = space()) {
            long base = s.layout().heapBase();
            assertEquals(base, s.heapBreak());
            assertEquals(new RangeResult.Done(base, 10_000), s.brk(base + 10_000));
            assertEquals(base + 10_000, s.heapBreak());
            Region heap = s.regionAt(base).orElseThrow();
            assertEquals(RegionKind.HEAP, heap.kind());
            assertEquals(3 * PAGE, heap.length(), "the heap region ends at the break rounded up");
            assertEquals(new CopyResult.Copied(3 * PAGE), s.write(base, new byte[3 * (int) PAGE]));
            done(s.brk(base + 5 * PAGE));
            assertEquals(5 * PAGE, s.regionAt(base).orElseThrow().length(), "growing extends the same region");
            long free = memory.stats().freeFrames();
            done(s.brk(base + PAGE + 1));
            assertEquals(free + 1, memory.stats().freeFrames(), "the page wholly above the new break went back");
            assertEquals(SignalReason.UNMAPPED, signal(s.write(base + 2 * PAGE, new byte[1])));
            done(s.brk(base));
            assertTrue(s.regionAt(base).isEmpty());
            assertEquals(0, s.residentPages());
        }
    }

    @Test
    void brkRefusesToGoBelowTheBaseOrIntoAnotherRegion() {
        try (VirtualAddressSpace s = space()) {
            long base = s.layout().heapBase();
            refused(RangeResult.Refusal.OUT_OF_RANGE, s.brk(base - 1));
            refused(RangeResult.Refusal.OUT_OF_RANGE, s.brk(0));
            refused(RangeResult.Refusal.OUT_OF_RANGE, s.brk(Long.MAX_VALUE));
            done(s.map(base + 4 * PAGE, 1, Protection.USER_READ_WRITE));
            done(s.brk(base + 4 * PAGE));
            refused(RangeResult.Refusal.NO_SPACE, s.brk(base + 4 * PAGE + 1));
            assertEquals(base + 4 * PAGE, s.heapBreak(), "a refused brk keeps the break");
        }
    }

    @Test
    void aViewIsBoundedToItsRangeAndSeesTheSpacesBytes() {
        try (VirtualAddressSpace s = space()) {
            done(s.map(HINT, 2, Protection.USER_READ_WRITE));
            MemoryView view = assertInstanceOf(ViewResult.Viewed.class, s.view(HINT + 100, 64, AccessKind.WRITE)).view();
            MemorySegment seg = view.segment();
            assertEquals(64, seg.byteSize());
            seg.set(ValueLayout.JAVA_BYTE, 0, (byte) 42);
            assertThrows(IndexOutOfBoundsException.class, () -> seg.get(ValueLayout.JAVA_BYTE, 64), "no byte past the range");
            byte[] b = new byte[1];
            s.read(HINT + 100, b);
            assertEquals(42, b[0]);
            view.close();
            assertFalse(view.isOpen());
            assertThrows(IllegalStateException.class, () -> seg.get(ValueLayout.JAVA_BYTE, 0), "a closed view reaches nothing");
        }
    }

    @Test
    void aReadViewIsReadOnlyAndViewsAreRefusedOrFaultedLikeAccesses() {
        try (VirtualAddressSpace s = space()) {
            done(s.map(HINT, 1, Protection.USER_READ));
            MemoryView ro = assertInstanceOf(ViewResult.Viewed.class, s.view(HINT, 16, AccessKind.READ)).view();
            assertThrows(IllegalArgumentException.class, () -> ro.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 1));
            assertEquals(SignalReason.PROTECTION, assertInstanceOf(ViewResult.Faulted.class, s.view(HINT, 16, AccessKind.WRITE)).signal().reason());
            assertEquals(SignalReason.UNMAPPED, assertInstanceOf(ViewResult.Faulted.class, s.view(HINT + PAGE, 16, AccessKind.READ)).signal().reason());
            assertEquals(RangeResult.Refusal.OUT_OF_RANGE, assertInstanceOf(ViewResult.Refused.class, s.view(HINT + 4000, 200, AccessKind.READ)).reason());
            assertEquals(RangeResult.Refusal.OUT_OF_RANGE, assertInstanceOf(ViewResult.Refused.class, s.view(HINT, 0, AccessKind.READ)).reason());
            assertEquals(RangeResult.Refusal.INVALID, assertInstanceOf(ViewResult.Refused.class, s.view(HINT, 1, AccessKind.EXECUTE)).reason());
            ro.close();
        }
    }

    @Test
    void theKernelRevokesAViewWhenTheMappingUnderItChanges() {
        try (VirtualAddressSpace s = space()) {
            done(s.map(HINT, 3, Protection.USER_READ_WRITE));
            MemoryView a = ((ViewResult.Viewed) s.view(HINT, 8, AccessKind.WRITE)).view();
            MemoryView b = ((ViewResult.Viewed) s.view(HINT + PAGE, 8, AccessKind.WRITE)).view();
            MemoryView c = ((ViewResult.Viewed) s.view(HINT + 2 * PAGE, 8, AccessKind.WRITE)).view();
            done(s.unmap(HINT, PAGE));
            assertFalse(a.isOpen());
            assertThrows(IllegalStateException.class, () -> a.segment().get(ValueLayout.JAVA_BYTE, 0));
            done(s.protect(HINT + PAGE, PAGE, Protection.USER_READ));
            assertFalse(b.isOpen());
            assertTrue(c.isOpen());
            try (VirtualAddressSpace child = ((SpaceResult.Created) s.cloneSpace()).space()) {
                assertFalse(c.isOpen(), "a write view must not bypass copy-on-write");
            }
        }
    }

    @Test
    void aSpaceUsedAfterCloseThrowsButAClosedViewStaysClosed() {
        VirtualAddressSpace s = space();
        done(s.map(HINT, 1, Protection.USER_READ_WRITE));
        MemoryView v = ((ViewResult.Viewed) s.view(HINT, 8, AccessKind.WRITE)).view();
        s.close();
        assertFalse(v.isOpen());
        v.close();
        assertThrows(IllegalStateException.class, () -> s.map(0, 1, Protection.USER_READ_WRITE));
    }

    @Test
    void aSpaceCannotGrowItsKernelBookkeepingWithoutBound() {
        try (VirtualAddressSpace s = space()) {
            int limit = dev.kosh.memory.internal.DemandPagedSpace.MAX_REGIONS;
            for (int i = 0; i < limit; i++) { // every other page, so that no two regions touch
                done(s.map(HINT + 2L * i * PAGE, 1, Protection.USER_READ_WRITE));
            }
            refused(RangeResult.Refusal.NO_SPACE, s.map(0, 1, Protection.USER_READ_WRITE));
            refused(RangeResult.Refusal.NO_SPACE, s.brk(s.layout().heapBase() + 1));
            done(s.protect(HINT, PAGE, Protection.USER_READ)); // a whole region: no split
            done(s.unmap(HINT, PAGE)); // removing a region is always allowed
            assertEquals(limit - 1, s.pmap().entries().size());
            RangeResult.Done big = done(s.map(0, 3, Protection.USER_READ_WRITE)); // back at the limit
            refused(RangeResult.Refusal.NO_SPACE, s.protect(big.start() + PAGE, PAGE, Protection.USER_READ));
            refused(RangeResult.Refusal.NO_SPACE, s.unmap(big.start() + PAGE, PAGE));
            assertEquals(Protection.USER_READ_WRITE, s.regionAt(big.start() + PAGE).orElseThrow().protection(), "refusals change nothing");
            done(s.unmap(big.start(), 3 * PAGE));
        }
    }

    @Test
    void aSpaceCannotOpenViewsWithoutBound() {
        try (VirtualAddressSpace s = space()) {
            done(s.map(HINT, 1, Protection.USER_READ_WRITE));
            List<MemoryView> views = new java.util.ArrayList<>();
            for (int i = 0; i < dev.kosh.memory.internal.DemandPagedSpace.MAX_VIEWS; i++) {
                views.add(assertInstanceOf(ViewResult.Viewed.class, s.view(HINT, 8, AccessKind.READ)).view());
            }
            assertEquals(RangeResult.Refusal.NO_SPACE, assertInstanceOf(ViewResult.Refused.class, s.view(HINT, 8, AccessKind.READ)).reason());
            views.getFirst().close();
            assertInstanceOf(ViewResult.Viewed.class, s.view(HINT, 8, AccessKind.READ), "a closed view frees its place");
        }
    }

    @Test
    void bytesWrittenThroughTheSyscallsSurviveAnUnmapOfTheirNeighbours() {
        try (VirtualAddressSpace s = space()) {
            RangeResult.Done r = done(s.map(0, 16, Protection.USER_READ_WRITE));
            byte[] data = new byte[16 * (int) PAGE];
            new Random(3).nextBytes(data);
            s.write(r.start(), data);
            done(s.unmap(r.start() + 4 * PAGE, 4 * PAGE));
            byte[] back = new byte[4 * (int) PAGE];
            s.read(r.start() + 8 * PAGE, back);
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 8 * (int) PAGE, 12 * (int) PAGE), back);
        }
    }
}
