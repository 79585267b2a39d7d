package dev.kosh.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class VirtualAddressSpaceTest {

    private static final long BASE = 0x4000_0000L;

    private PhysicalMemory memory;
    private VirtualMemory vm;
    private long initialFree;

    @BeforeEach
    void setUp() throws IOException {
        memory = PhysicalMemory.create(8L << 20, 10, List.of(MemoryRange.reserved(0, 1 << 20)));
        vm = VirtualMemory.create(memory, VmConfig.defaults().withRandom(new Random(7)));
        initialFree = memory.stats().freeFrames();
    }

    @AfterEach
    void tearDown() throws IOException {
        vm.close();
        memory.close();
    }

    private VirtualAddressSpace space() {
        return ((SpaceResult.Created) vm.newSpace()).space();
    }

    private static Region reserved(ReserveResult r) {
        return assertInstanceOf(ReserveResult.Reserved.class, r).region();
    }

    @Test
    void reservingAllocatesNoFrameAndFirstTouchIsACountedMinorFault() {
        try (VirtualAddressSpace s = space()) {
            long before = memory.stats().freeFrames();
            reserved(s.reserve(BASE, 16 * 4096, RegionKind.HEAP, Protection.USER_READ_WRITE));
            assertEquals(before, memory.stats().freeFrames());
            assertEquals(0, s.residentPages());

            Access first = s.access(BASE + 5 * 4096 + 12, AccessKind.READ, true);
            assertEquals(Access.Fault.MINOR, assertInstanceOf(Access.Resolved.class, first).fault());
            Access second = s.access(BASE + 5 * 4096 + 16, AccessKind.WRITE, true);
            assertEquals(Access.Fault.NONE, assertInstanceOf(Access.Resolved.class, second).fault());
            assertEquals(1, s.residentPages());
            assertEquals(1, vm.stats().minorFaults());
            byte[] page = new byte[4096];
            s.read(BASE + 6 * 4096, page);
            assertArrayEquals(new byte[4096], page, "a demand-zero page reads as zeros");
        }
        assertEquals(initialFree, memory.stats().freeFrames());
    }

    @Test
    void writtenBytesReadBackAcrossPageBoundaries() {
        try (VirtualAddressSpace s = space()) {
            reserved(s.reserve(BASE, 4 * 4096, RegionKind.ANONYMOUS, Protection.USER_READ_WRITE));
            byte[] data = new byte[6000];
            new Random(1).nextBytes(data);
            assertEquals(new CopyResult.Copied(6000), s.write(BASE + 3000, data));
            byte[] back = new byte[6000];
            assertEquals(new CopyResult.Copied(6000), s.read(BASE + 3000, back));
            assertArrayEquals(data, back);
            assertEquals(3, s.residentPages());
        }
    }

    @Test
    void guardPageBelowAStackIsASignalNotAnException() {
        try (VirtualAddressSpace s = space()) {
            Region stack = reserved(s.reserveStack(8 * 4096));
            assertEquals(4096, stack.guardBytes());
            assertEquals(s.layout().stackTop(), stack.end());
            Access below = s.access(stack.start() - 8, AccessKind.WRITE, true);
            Access.Signal signal = assertInstanceOf(Access.Signal.class, below);
            assertEquals(SignalReason.GUARD_PAGE, signal.reason());
            assertEquals("SIGSEGV", signal.reason().signal());
            assertInstanceOf(Access.Resolved.class, s.access(stack.start(), AccessKind.WRITE, true));
            CopyResult overflow = s.write(stack.start() - 4, new byte[8]);
            assertEquals(SignalReason.GUARD_PAGE,
                    assertInstanceOf(CopyResult.Faulted.class, overflow).signal().reason());
            Region next = reserved(s.reserveStack(4096));
            assertEquals(stack.guardStart(), next.end(), "the next stack goes below the guard");
            assertEquals(2, vm.stats().signals());
        }
    }

    @Test
    void faultsOutsideRegionsOrAgainstTheirRightsAreSignals() {
        try (VirtualAddressSpace s = space()) {
            reserved(s.reserve(BASE, 4096, RegionKind.ANONYMOUS, Protection.USER_READ));
            reserved(s.reserve(BASE + 8192, 4096, RegionKind.ANONYMOUS, Protection.KERNEL_READ_WRITE));
            assertEquals(SignalReason.UNMAPPED, signal(s.access(BASE + 4096, AccessKind.READ, true)));
            assertEquals(SignalReason.PROTECTION, signal(s.access(BASE, AccessKind.WRITE, true)));
            assertEquals(SignalReason.NO_EXECUTE, signal(s.access(BASE, AccessKind.EXECUTE, true)));
            assertEquals(SignalReason.PROTECTION, signal(s.access(BASE + 8192, AccessKind.READ, true)));
            assertEquals(SignalReason.NON_CANONICAL, signal(s.access(0x0000_8000_0000_0000L, AccessKind.READ, true)));
            // Present now, and still refused: the page-table rights agree with the region's.
            assertInstanceOf(Access.Resolved.class, s.access(BASE, AccessKind.READ, true));
            assertEquals(SignalReason.PROTECTION, signal(s.access(BASE, AccessKind.WRITE, true)));
            assertEquals(SignalReason.NO_EXECUTE, signal(s.access(BASE, AccessKind.EXECUTE, true)));
        }
    }

    private static SignalReason signal(Access a) {
        return assertInstanceOf(Access.Signal.class, a).reason();
    }

    @Test
    void reserveRejectsBadRangesWithTypedResults() {
        try (VirtualAddressSpace s = space()) {
            Region heap = reserved(s.reserve(BASE, 4 * 4096, RegionKind.HEAP, Protection.USER_READ_WRITE));
            assertInstanceOf(ReserveResult.Unaligned.class, s.reserve(BASE + 1, 4096, RegionKind.HEAP, Protection.USER_READ));
            assertInstanceOf(ReserveResult.Unaligned.class, s.reserve(BASE, 0, RegionKind.HEAP, Protection.USER_READ));
            assertInstanceOf(ReserveResult.NonCanonical.class,
                    s.reserve(0x0000_7FFF_FFFF_F000L, 8192, RegionKind.HEAP, Protection.USER_READ));
            assertInstanceOf(ReserveResult.NonCanonical.class, s.reserve(0, 4096, RegionKind.STACK, Protection.USER_READ));
            assertEquals(heap, assertInstanceOf(ReserveResult.Overlaps.class,
                    s.reserve(BASE + 4096, 4096, RegionKind.HEAP, Protection.USER_READ)).existing());
            // A stack's guard may not sit on the region below it.
            assertEquals(heap, assertInstanceOf(ReserveResult.Overlaps.class,
                    s.reserve(heap.end(), 4096, RegionKind.STACK, Protection.USER_READ_WRITE)).existing());
            reserved(s.reserve(BASE - 4096, 4096, RegionKind.HEAP, Protection.USER_READ_WRITE));
            assertEquals(heap, s.regionAt(BASE + 100).orElseThrow());
            assertTrue(s.regionAt(BASE - 4097).isEmpty());
        }
    }

    @Test
    void releaseReturnsTheRegionsFrames() {
        try (VirtualAddressSpace s = space()) {
            Region r = reserved(s.reserveAnonymous(4 * 4096, Protection.USER_READ_WRITE));
            assertEquals(s.layout().mmapBase(), r.end());
            s.write(r.start(), new byte[3 * 4096]);
            assertEquals(3, s.residentPages());
            ReleaseResult.Released released = assertInstanceOf(ReleaseResult.Released.class, s.release(r.start()));
            assertEquals(3, released.residentPages());
            assertEquals(0, s.residentPages());
            assertInstanceOf(ReleaseResult.NoRegion.class, s.release(r.start()));
            assertEquals(SignalReason.UNMAPPED, signal(s.access(r.start(), AccessKind.READ, true)));
        }
        assertEquals(initialFree, memory.stats().freeFrames());
    }

    @Test
    void quotaExceededIsASignal() {
        VirtualAddressSpace s = ((SpaceResult.Created) vm.newSpace(5)).space();
        try (s) {
            reserved(s.reserve(BASE, 16 * 4096, RegionKind.HEAP, Protection.USER_READ_WRITE));
            // PML4 + PDPT + PD + PT = 4 frames, one data page left.
            assertInstanceOf(Access.Resolved.class, s.access(BASE, AccessKind.WRITE, true));
            assertEquals(SignalReason.QUOTA_EXCEEDED, signal(s.access(BASE + 4096, AccessKind.WRITE, true)));
            s.setFrameQuota(6);
            assertInstanceOf(Access.Resolved.class, s.access(BASE + 4096, AccessKind.WRITE, true));
            assertThrows(IllegalArgumentException.class, () -> s.setFrameQuota(0));
        }
        assertThrows(IllegalStateException.class, s::residentPages);
        assertEquals(initialFree, memory.stats().freeFrames());
    }

    @Test
    void outOfMemoryWithoutSwapIsASigbus() {
        try (VirtualAddressSpace s = space()) {
            long pages = memory.stats().freeFrames() + 8;
            reserved(s.reserve(BASE, pages * 4096, RegionKind.HEAP, Protection.USER_READ_WRITE));
            SignalReason last = null;
            for (long p = 0; p < pages && last == null; p++) {
                Access a = s.access(BASE + p * 4096, AccessKind.WRITE, true);
                last = a instanceof Access.Signal sig ? sig.reason() : null;
            }
            assertEquals(SignalReason.OUT_OF_MEMORY, last);
            assertEquals("SIGBUS", last.signal());
        }
        assertEquals(initialFree, memory.stats().freeFrames());
    }

    // ---------------------------------------------------------------- copy-on-write

    @Test
    void cloneSharesPagesUntilAWriteCopiesThem() {
        VirtualAddressSpace parent = space();
        reserved(parent.reserve(BASE, 2 * 4096, RegionKind.HEAP, Protection.USER_READ_WRITE));
        parent.write(BASE, "parent".getBytes());
        long framesBefore = memory.stats().freeFrames();
        VirtualAddressSpace child = ((SpaceResult.Created) parent.cloneSpace()).space();
        assertEquals(parent.layout(), child.layout());
        assertEquals(1, child.residentPages());
        assertEquals(1, parent.pmap().entries().get(0).sharedPages());

        child.write(BASE, "child!".getBytes());
        byte[] p = new byte[6];
        byte[] c = new byte[6];
        parent.read(BASE, p);
        child.read(BASE, c);
        assertEquals("parent", new String(p));
        assertEquals("child!", new String(c));
        assertEquals(1, vm.stats().copyOnWriteFaults());

        // The parent is the last sharer now: its write takes the page back without a copy.
        long free = memory.stats().freeFrames();
        Access again = parent.access(BASE, AccessKind.WRITE, true);
        assertEquals(Access.Fault.COPY_ON_WRITE, assertInstanceOf(Access.Resolved.class, again).fault());
        assertEquals(free, memory.stats().freeFrames());
        assertTrue(framesBefore > memory.stats().freeFrames());
        child.close();
        parent.close();
        assertEquals(initialFree, memory.stats().freeFrames());
    }

    @Test
    void shareCopyOnWriteMapsTheSameFrameReadOnly() {
        try (VirtualAddressSpace a = space(); VirtualAddressSpace b = space()) {
            reserved(a.reserve(BASE, 2 * 4096, RegionKind.ANONYMOUS, Protection.USER_READ_WRITE));
            Region target = reserved(b.reserve(BASE * 2, 2 * 4096, RegionKind.ANONYMOUS, Protection.USER_READ_WRITE));
            a.write(BASE, new byte[] {1, 2, 3});
            assertEquals(new ShareResult.Shared(2), a.shareCopyOnWrite(BASE, 2 * 4096, b, target.start()));
            long pa = ((Access.Resolved) a.access(BASE, AccessKind.READ, true)).physicalAddress();
            long pb = ((Access.Resolved) b.access(target.start(), AccessKind.READ, true)).physicalAddress();
            assertEquals(pa, pb);
            b.write(target.start(), new byte[] {9});
            byte[] seen = new byte[1];
            a.read(BASE, seen);
            assertEquals(1, seen[0], "a never sees b's write");
            assertInstanceOf(ShareResult.TargetNotEmpty.class, a.shareCopyOnWrite(BASE, 4096, b, target.start()));
            assertInstanceOf(ShareResult.Unaligned.class, a.shareCopyOnWrite(BASE + 1, 4096, b, target.start()));
            assertInstanceOf(ShareResult.SourceNotReserved.class, a.shareCopyOnWrite(BASE * 3, 4096, b, target.start()));
            assertInstanceOf(ShareResult.TargetNotEmpty.class, a.shareCopyOnWrite(BASE, 4096, b, BASE * 5));
        }
        assertEquals(initialFree, memory.stats().freeFrames());
    }

    @Test
    void pmapDescribesRegions() {
        try (VirtualAddressSpace s = space()) {
            reserved(s.reserve(s.layout().heapBase(), 4 * 4096, RegionKind.HEAP, Protection.USER_READ_WRITE));
            Region stack = reserved(s.reserveStack(2 * 4096));
            s.write(stack.start(), new byte[10]);
            Pmap pmap = s.pmap();
            assertEquals(2, pmap.entries().size());
            assertEquals(1, pmap.residentPages());
            assertEquals(0, pmap.swappedPages());
            String text = pmap.format();
            assertTrue(text.contains("heap") && text.contains("stack (+4 kB guard)") && text.contains("rw-u"), text);
            assertNotEquals(0, pmap.pageTableFrames());
        }
    }
}
