package dev.kosh.memory.internal;

import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.kosh.memory.MemoryRange;
import dev.kosh.memory.MemoryStats;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.quicktheories.core.Gen;

/**
 * Random alloc/free sequences against a bitmap model. Each step is one integer, decoded as:
 * low bit 0 = allocate (order from the next bits), 1 = free (which live block from the next
 * bits), so shrinking an integer list shrinks the scenario.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BuddyAllocatorPropertiesTest {

    private static final int FRAMES = 1000; // not a power of two: the tail is in smaller blocks
    private static final int MAX_ORDER = 6;

    private static final Gen<List<Integer>> STEPS =
            lists().of(integers().between(0, 1 << 20)).ofSizeBetween(1, 300);
    /** Up to three reserved ranges, each (start frame, length in frames) packed into one integer. */
    private static final Gen<List<Integer>> RESERVED =
            lists().of(integers().between(0, FRAMES * 64 - 1)).ofSizeBetween(0, 3);

    private record Block(long address, int order) {}

    private static List<MemoryRange> memoryMap(List<Integer> packed) {
        List<MemoryRange> map = new ArrayList<>();
        for (int p : packed) {
            map.add(MemoryRange.reserved((long) (p / 64) * 4096 + (p % 7), (long) (p % 64 + 1) * 4096));
        }
        return map;
    }

    private static BitSet reservedFrames(List<MemoryRange> map) {
        BitSet reserved = new BitSet(FRAMES);
        for (MemoryRange r : map) {
            int first = (int) (r.start() / 4096);
            int end = (int) Math.min(FRAMES, (r.end() + 4095) / 4096);
            if (first < end) {
                reserved.set(first, end);
            }
        }
        return reserved;
    }

    @Test
    void randomAllocFreeNeverOverlapsNeverTouchesReservedAndConservesFrames() {
        qt().withExamples(150).forAll(RESERVED, STEPS).checkAssert((packed, steps) -> {
            List<MemoryRange> map = memoryMap(packed);
            BitSet reserved = reservedFrames(map);
            BuddyAllocator frames = new BuddyAllocator(FRAMES, MAX_ORDER, map);
            MemoryStats initial = frames.stats();
            check(initial.reservedFrames() == reserved.cardinality(), "reserved count %d, model %d",
                    initial.reservedFrames(), reserved.cardinality());
            BitSet inUse = new BitSet(FRAMES);
            List<Block> live = new ArrayList<>();
            for (int step : steps) {
                if ((step & 1) == 0 || live.isEmpty()) {
                    int order = (step >>> 1) % (MAX_ORDER + 1);
                    long a = frames.allocateFrames(order);
                    if (a == BuddyAllocator.ALLOC_OUT_OF_MEMORY) {
                        continue;
                    }
                    check(a >= 0, "allocate(%d) returned code %d", order, a);
                    int first = (int) (a / 4096);
                    int size = 1 << order;
                    check(first % size == 0, "block %d of order %d unaligned", first, order);
                    check(first + size <= FRAMES, "block %d of order %d past the arena", first, order);
                    for (int f = first; f < first + size; f++) {
                        check(!inUse.get(f), "frame %d handed out twice", f);
                        check(!reserved.get(f), "reserved frame %d handed out", f);
                    }
                    inUse.set(first, first + size);
                    live.add(new Block(a, order));
                } else {
                    Block b = live.remove((step >>> 1) % live.size());
                    int code = frames.freeFrames(b.address(), b.order());
                    check(code == BuddyAllocator.FREE_OK, "free of live block failed with %d", code);
                    int first = (int) (b.address() / 4096);
                    inUse.clear(first, first + (1 << b.order()));
                }
                MemoryStats now = frames.stats();
                check(now.freeFrames() + inUse.cardinality() + now.reservedFrames() == FRAMES,
                        "free %d + in use %d + reserved %d != %d", now.freeFrames(), inUse.cardinality(),
                        now.reservedFrames(), FRAMES);
            }
            frames.verifyIntegrity();
            for (Block b : live) {
                frames.freeFrames(b.address(), b.order());
            }
            frames.verifyIntegrity();
            check(frames.stats().equals(initial), "after freeing everything %s, initially %s", frames.stats(), initial);
        });
    }

    /**
     * The constructor builds the free lists in bulk. Its state must be the one that freeing every
     * usable frame one at a time, in address order, reaches: same blocks, same list order. The
     * model is an allocator with nothing reserved whose "reserved" frames are allocated and
     * never freed; both must then hand out the same addresses for the same requests.
     */
    @Test
    void bulkInitialisationEqualsFreeingEveryUsableFrameInAddressOrder() {
        qt().withExamples(100).forAll(RESERVED, STEPS).checkAssert((packed, steps) -> {
            List<MemoryRange> map = memoryMap(packed);
            BitSet reserved = reservedFrames(map);
            BuddyAllocator bulk = new BuddyAllocator(FRAMES, MAX_ORDER, map);
            BuddyAllocator model = new BuddyAllocator(FRAMES, MAX_ORDER, List.of());
            for (int f = 0; f < FRAMES; f++) {
                check(model.allocateFrames(0) >= 0, "model ran out at %d", f);
            }
            for (int f = 0; f < FRAMES; f++) {
                if (!reserved.get(f)) {
                    check(model.freeFrames((long) f * 4096, 0) == BuddyAllocator.FREE_OK, "model free %d", f);
                }
            }
            bulk.verifyIntegrity();
            check(bulk.stats().freeBlocksByOrder().equals(model.stats().freeBlocksByOrder()),
                    "bulk %s, one by one %s", bulk.stats(), model.stats());
            for (int step : steps) {
                int order = step % (MAX_ORDER + 1);
                long a = bulk.allocateFrames(order);
                long b = model.allocateFrames(order);
                check(a == b, "allocate(%d): bulk %d, one by one %d", order, a, b);
            }
        });
    }

    @Test
    void everyBadFreeLeavesTheAllocatorUnchanged() {
        qt().withExamples(150).forAll(STEPS, integers().between(-FRAMES, FRAMES * 2), integers().between(-1, MAX_ORDER + 1))
                .checkAssert((steps, frame, order) -> {
                    BuddyAllocator frames = new BuddyAllocator(FRAMES, MAX_ORDER, List.of(MemoryRange.reserved(0, 4096)));
                    List<Block> live = new ArrayList<>();
                    for (int step : steps) {
                        long a = frames.allocateFrames((step >>> 1) % (MAX_ORDER + 1));
                        if (a >= 0) {
                            live.add(new Block(a, (step >>> 1) % (MAX_ORDER + 1)));
                        }
                    }
                    long address = (long) frame * 4096 + (frame % 3 == 0 ? 16 : 0);
                    boolean legitimate = live.contains(new Block(address, order));
                    MemoryStats before = frames.stats();
                    int code = frames.freeFrames(address, order);
                    check((code == BuddyAllocator.FREE_OK) == legitimate,
                            "free(%d, %d) returned %d, legitimate=%s", address, order, code, legitimate);
                    if (!legitimate) {
                        check(frames.stats().equals(before), "rejected free changed the stats");
                    }
                    frames.verifyIntegrity();
                });
    }

    private static void check(boolean condition, String format, Object... args) {
        if (!condition) {
            throw new AssertionError(String.format(format, args));
        }
    }
}
