package dev.kosh.memory.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kosh.memory.AllocResult;
import dev.kosh.memory.FreeResult;
import dev.kosh.memory.MemoryRange;
import dev.kosh.memory.MemoryStats;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class BuddyAllocatorTest {

    private static final long F = 4096;

    private static long address(AllocResult result) {
        return assertInstanceOf(AllocResult.Allocated.class, result).physicalAddress();
    }

    @Test
    void freshAllocatorMergesEverythingIntoMaxOrderBlocks() {
        BuddyAllocator frames = new BuddyAllocator(4096, 10, List.of());
        MemoryStats stats = frames.stats();
        assertEquals(4096, stats.totalFrames());
        assertEquals(4096, stats.freeFrames());
        assertEquals(0, stats.reservedFrames());
        assertEquals(4, stats.freeBlocks(10));
        for (int order = 0; order < 10; order++) {
            assertEquals(0, stats.freeBlocks(order), "order " + order);
        }
        assertEquals(10, stats.largestFreeOrder());
        frames.verifyIntegrity();
    }

    @Test
    void arenaThatIsNotAPowerOfTwoEndsInSmallerBlocks() {
        BuddyAllocator frames = new BuddyAllocator(1024 + 512 + 3, 10, List.of());
        MemoryStats stats = frames.stats();
        assertEquals(1, stats.freeBlocks(10));
        assertEquals(1, stats.freeBlocks(9));
        assertEquals(1, stats.freeBlocks(1));
        assertEquals(1, stats.freeBlocks(0));
        assertEquals(1024 + 512 + 3, stats.freeFrames());
        frames.verifyIntegrity();
    }

    @Test
    void allocationSplitsTheSmallestSufficientBlock() {
        BuddyAllocator frames = new BuddyAllocator(1024, 10, List.of());
        assertEquals(0, address(frames.allocate(0)));
        MemoryStats stats = frames.stats();
        // One order-10 block split into 0+0, 1, 2, ..., 9: one free block of each order below 10.
        for (int order = 0; order < 10; order++) {
            assertEquals(1, stats.freeBlocks(order), "order " + order);
        }
        assertEquals(0, stats.freeBlocks(10));
        assertEquals(1023, stats.freeFrames());
        frames.verifyIntegrity();
    }

    @Test
    void blocksAreNaturallyAlignedToTheirSize() {
        BuddyAllocator frames = new BuddyAllocator(4096, 10, List.of());
        address(frames.allocate(0));
        for (int order = 0; order <= 10; order++) {
            long a = address(frames.allocate(order));
            assertEquals(0, a % (F << order), "order " + order + " at " + a);
        }
    }

    @Test
    void freeingBothBuddiesMergesThemBack() {
        BuddyAllocator frames = new BuddyAllocator(1024, 10, List.of());
        long a = address(frames.allocate(0));
        long b = address(frames.allocate(0));
        assertEquals(a ^ F, b, "second frame is the first one's buddy");
        assertInstanceOf(FreeResult.Freed.class, frames.free(a, 0));
        assertInstanceOf(FreeResult.Freed.class, frames.free(b, 0));
        assertEquals(1, frames.stats().freeBlocks(10));
        assertEquals(1024, frames.stats().freeFrames());
        frames.verifyIntegrity();
    }

    @Test
    void outOfMemoryReportsTheLargestOrderStillFree() {
        BuddyAllocator frames = new BuddyAllocator(8, 3, List.of());
        address(frames.allocate(2));
        AllocResult result = frames.allocate(3);
        assertEquals(new AllocResult.OutOfMemory(3, 2), result);
        address(frames.allocate(2));
        assertEquals(new AllocResult.OutOfMemory(0, -1), frames.allocate(0));
    }

    @Test
    void orderOutsideTheRangeIsRejectedOnAllocate() {
        BuddyAllocator frames = new BuddyAllocator(64, 4, List.of());
        assertEquals(new AllocResult.InvalidOrder(5, 4), frames.allocate(5));
        assertEquals(new AllocResult.InvalidOrder(-1, 4), frames.allocate(-1));
        assertEquals(BuddyAllocator.ALLOC_INVALID_ORDER, frames.allocateFrames(5));
    }

    @Test
    void doubleFreeIsReportedAndChangesNothing() {
        BuddyAllocator frames = new BuddyAllocator(64, 4, List.of());
        long a = address(frames.allocate(2));
        assertInstanceOf(FreeResult.Freed.class, frames.free(a, 2));
        MemoryStats before = frames.stats();
        assertEquals(new FreeResult.DoubleFree(a, 2), frames.free(a, 2));
        assertEquals(before, frames.stats());
        frames.verifyIntegrity();
    }

    @Test
    void freeingAFrameInsideAFreeBlockIsADoubleFree() {
        BuddyAllocator frames = new BuddyAllocator(64, 4, List.of());
        long a = address(frames.allocate(0));
        frames.free(a, 0);
        // Frame 5 was never a head: it sits inside the merged free block.
        assertEquals(new FreeResult.DoubleFree(5 * F, 0), frames.free(5 * F, 0));
    }

    @Test
    void freeWithTheWrongOrderNamesTheAllocatedOrder() {
        BuddyAllocator frames = new BuddyAllocator(64, 4, List.of());
        long a = address(frames.allocate(3));
        assertEquals(new FreeResult.WrongOrder(a, 1, 3), frames.free(a, 1));
        assertEquals(new FreeResult.WrongOrder(a, 4, 3), frames.free(a, 4));
        assertInstanceOf(FreeResult.Freed.class, frames.free(a, 3));
    }

    @Test
    void freeingAnInteriorFrameNamesTheBlock() {
        BuddyAllocator frames = new BuddyAllocator(64, 4, List.of());
        long a = address(frames.allocate(3));
        assertEquals(new FreeResult.InteriorFrame(a + 2 * F, a, 3), frames.free(a + 2 * F, 0));
    }

    @Test
    void addressesOutsideTheArenaAreRejected() {
        BuddyAllocator frames = new BuddyAllocator(64, 4, List.of());
        assertEquals(new FreeResult.OutsideArena(64 * F, 64 * F), frames.free(64 * F, 0));
        assertEquals(new FreeResult.OutsideArena(-F, 64 * F), frames.free(-F, 0));
        assertEquals(new FreeResult.OutsideArena(Long.MAX_VALUE, 64 * F), frames.free(Long.MAX_VALUE, 0));
    }

    @Test
    void unalignedAddressesAreRejected() {
        BuddyAllocator frames = new BuddyAllocator(64, 4, List.of());
        long a = address(frames.allocate(0));
        assertEquals(new FreeResult.Unaligned(a + 8), frames.free(a + 8, 0));
        assertEquals(BuddyAllocator.FREE_UNALIGNED, frames.freeFrames(a + 1, 0));
    }

    @Test
    void orderOutsideTheRangeIsRejectedOnFree() {
        BuddyAllocator frames = new BuddyAllocator(64, 4, List.of());
        assertEquals(new FreeResult.InvalidOrder(7, 4), frames.free(0, 7));
        assertEquals(new FreeResult.InvalidOrder(-2, 4), frames.free(0, -2));
    }

    @Test
    void reservedFramesAreNeverHandedOutAndCannotBeFreed() {
        // Frames 0 and 1 reserved (the range ends inside frame 1), and 8..15 as ACPI NVS.
        List<MemoryRange> map = List.of(
                MemoryRange.reserved(0, F + 1),
                new MemoryRange(8 * F, 8 * F, MemoryRange.Type.ACPI_NVS),
                new MemoryRange(0, 64 * F, MemoryRange.Type.USABLE));
        BuddyAllocator frames = new BuddyAllocator(64, 4, map);
        assertEquals(10, frames.stats().reservedFrames());
        assertEquals(54, frames.stats().freeFrames());
        assertEquals(new FreeResult.ReservedFrame(F), frames.free(F, 0));
        List<Long> handedOut = new ArrayList<>();
        long a;
        while ((a = frames.allocateFrames(0)) >= 0) {
            handedOut.add(a);
        }
        assertEquals(54, handedOut.size());
        for (long frame : handedOut) {
            long n = frame / F;
            assertFalse(n < 2 || (n >= 8 && n < 16), "reserved frame " + n + " handed out");
        }
        frames.verifyIntegrity();
    }

    @Test
    void rangesBeyondTheArenaAreClipped() {
        BuddyAllocator frames = new BuddyAllocator(64, 4, List.of(MemoryRange.reserved(60 * F, 1L << 40)));
        assertEquals(4, frames.stats().reservedFrames());
        BuddyAllocator untouched = new BuddyAllocator(64, 4, List.of(MemoryRange.reserved(1L << 40, F)));
        assertEquals(0, untouched.stats().reservedFrames());
    }

    @Test
    void isAllocatedAcceptsOnlyRangesInsideOneAllocatedBlock() {
        BuddyAllocator frames = new BuddyAllocator(64, 4, List.of(MemoryRange.reserved(63 * F, F)));
        long a = address(frames.allocate(2));
        assertTrue(frames.isAllocated(a, 4 * F));
        assertTrue(frames.isAllocated(a + F, 2 * F));
        assertFalse(frames.isAllocated(a, 5 * F), "runs past the block");
        assertFalse(frames.isAllocated(a + 4 * F, F), "free frame");
        assertFalse(frames.isAllocated(63 * F, F), "reserved frame");
        assertFalse(frames.isAllocated(64 * F, F), "outside");
        assertFalse(frames.isAllocated(a, 0), "empty range");
    }

    @Test
    void badConfigurationIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new BuddyAllocator(0, 4, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new BuddyAllocator(64, -1, List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new BuddyAllocator(64, BuddyAllocator.MAX_SUPPORTED_ORDER + 1, List.of()));
    }

    @Test
    void concurrentAllocateAndFreeKeepTheMetadataConsistent() throws InterruptedException {
        BuddyAllocator frames = new BuddyAllocator(4096, 10, List.of());
        int threads = 4;
        CountDownLatch start = new CountDownLatch(1);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            workers.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    List<long[]> mine = new ArrayList<>();
                    for (int i = 0; i < 20_000; i++) {
                        int order = (i * 7 + seed) % 4;
                        if (mine.size() < 64 && (i % 3 != 0 || mine.isEmpty())) {
                            long a = frames.allocateFrames(order);
                            if (a >= 0) {
                                mine.add(new long[] {a, order});
                            }
                        } else {
                            long[] block = mine.removeLast();
                            if (frames.freeFrames(block[0], (int) block[1]) != BuddyAllocator.FREE_OK) {
                                throw new AssertionError("free of own block failed");
                            }
                        }
                    }
                    for (long[] block : mine) {
                        frames.freeFrames(block[0], (int) block[1]);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        assertTrue(failures.isEmpty(), () -> "worker failed: " + failures.peek());
        frames.verifyIntegrity();
        assertEquals(4, frames.stats().freeBlocks(10));
    }
}
