package dev.kosh.memory.internal;

import dev.kosh.memory.AllocResult;
import dev.kosh.memory.FreeResult;
import dev.kosh.memory.MemoryRange;
import dev.kosh.memory.MemoryStats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A binary buddy allocator over the frames {@code 0..frameCount-1}. It only keeps metadata:
 * physical address = frame index * 4096; the memory itself is the arena's.
 *
 * <h2>Metadata</h2>
 * Nine bytes a frame, all in flat arrays (256 MiB of frames: 576 KiB):
 * <ul>
 *   <li>{@code state[frame]}: one byte, {@code kind | order}. Only the first frame of a block
 *       (its head) is marked, {@link #FREE_HEAD} or {@link #ALLOC_HEAD} with the block's order;
 *       the other frames of a block stay {@link #NONE}, so splitting and merging cost O(1) and
 *       the frame holding an address is found by looking at the at most {@code maxOrder+1}
 *       aligned candidates for its head. Reserved frames are {@link #RESERVED} for ever.</li>
 *   <li>{@code next[frame]}, {@code prev[frame]}: the links of the doubly linked free list of the
 *       block's order, meaningful only for free heads (unlinking a buddy from the middle of its
 *       list is O(1)).</li>
 * </ul>
 * Free lists are LIFO: the block freed last is reused first, while it is still in the cache.
 *
 * <h2>Thread safety</h2>
 * {@link #lock} guards every mutable field: {@code state}, {@code next}, {@code prev},
 * {@code freeHead}, {@code freeBlocks} and {@code freeFrames}. Every public method takes it, so any
 * thread may call any method. It is the innermost lock of the memory module: nothing is called
 * while holding it, and an address space's lock nests outside it.
 *
 * <h2>Errors</h2>
 * The raw methods ({@link #allocateFrames}, {@link #freeFrames}) return negative codes named
 * by constants and allocate nothing; {@link #allocate} and {@link #free} wrap them in the API's
 * result records.
 */
public final class BuddyAllocator {

    /** The largest max order accepted: the order fits in the state byte's five low bits. */
    public static final int MAX_SUPPORTED_ORDER = 20;

    /** {@link #allocateFrames}: the order is outside {@code 0..maxOrder}. */
    public static final long ALLOC_INVALID_ORDER = -1;
    /** {@link #allocateFrames}: no free block of that order or larger. */
    public static final long ALLOC_OUT_OF_MEMORY = -2;

    /** {@link #freeFrames}: the block is free again. */
    public static final int FREE_OK = 0;
    /** {@link #freeFrames}: the order is outside {@code 0..maxOrder}. */
    public static final int FREE_INVALID_ORDER = -1;
    /** {@link #freeFrames}: the address is not inside the arena. */
    public static final int FREE_OUTSIDE_ARENA = -2;
    /** {@link #freeFrames}: the address is not frame-aligned. */
    public static final int FREE_UNALIGNED = -3;
    /** {@link #freeFrames}: the frame is reserved. */
    public static final int FREE_RESERVED = -4;
    /** {@link #freeFrames}: the frame is already free. */
    public static final int FREE_DOUBLE_FREE = -5;
    /** {@link #freeFrames}: the block was allocated with another order. */
    public static final int FREE_WRONG_ORDER = -6;
    /** {@link #freeFrames}: the frame is inside an allocated block, not at its start. */
    public static final int FREE_INTERIOR = -7;

    private static final int SHIFT = 12;
    private static final long FRAME = 1L << SHIFT;

    private static final int ORDER_MASK = 0x1F;
    private static final int KIND_MASK = 0x60;
    private static final byte NONE = 0;
    private static final byte FREE_HEAD = 0x20;
    private static final byte ALLOC_HEAD = 0x40;
    private static final byte RESERVED = 0x60;
    private static final int NIL = -1;

    private final ReentrantLock lock = new ReentrantLock();
    private final int frameCount;
    private final int maxOrder;
    private final long reservedFrames;

    private final byte[] state;
    private final int[] next;
    private final int[] prev;
    private final int[] freeHead;
    private final long[] freeBlocks;
    private long freeFrames;

    /**
     * Builds the allocator and frees every frame the memory map does not reserve.
     *
     * @param frameCount frames in the arena, positive
     * @param maxOrder   the largest block order, {@code 0..MAX_SUPPORTED_ORDER}
     * @param memoryMap  boot memory map; every frame a non-usable range touches is reserved
     */
    public BuddyAllocator(int frameCount, int maxOrder, List<MemoryRange> memoryMap) {
        checkMaxOrder(maxOrder);
        if (frameCount <= 0) {
            throw new IllegalArgumentException("frame count " + frameCount + " is not positive");
        }
        this.frameCount = frameCount;
        this.maxOrder = maxOrder;
        this.state = new byte[frameCount];
        this.next = new int[frameCount];
        this.prev = new int[frameCount];
        this.freeHead = new int[maxOrder + 1];
        this.freeBlocks = new long[maxOrder + 1];
        Arrays.fill(freeHead, NIL);

        // Boot cost matters here (it runs cold, in the interpreter): the work is one sort of
        // the reserved ranges, one Arrays.fill per range and one push per free block, never a
        // loop over every frame. 65,536 frames with no reserved range take 64 pushes.
        long[][] reserved = reservedFrameRuns(memoryMap, frameCount);
        long reservedCount = 0;
        int freeFrom = 0;
        for (long[] run : reserved) {
            int first = (int) run[0];
            int end = (int) run[1];
            Arrays.fill(state, first, end, RESERVED);
            reservedCount += end - first;
            freeRun(freeFrom, first);
            freeFrom = end;
        }
        freeRun(freeFrom, frameCount);
        this.reservedFrames = reservedCount;
    }

    /**
     * The frames the non-usable ranges touch, as sorted, disjoint, non-adjacent
     * {@code [first, end)} runs clipped to the arena. A frame a range only partly covers is
     * reserved too.
     */
    private static long[][] reservedFrameRuns(List<MemoryRange> memoryMap, int frameCount) {
        long arenaBytes = (long) frameCount << SHIFT;
        long[] first = new long[memoryMap.size()];
        long[] end = new long[memoryMap.size()];
        int n = 0;
        for (MemoryRange range : memoryMap) {
            if (range.usable() || range.start() >= arenaBytes) {
                continue;
            }
            long f = range.start() >>> SHIFT;
            long e = (Math.min(range.end(), arenaBytes) + FRAME - 1) >>> SHIFT;
            // Insertion sort by first frame: boot maps have tens of entries, and a lambda
            // comparator would cost a cold JVM more than the sort.
            int i = n++;
            while (i > 0 && first[i - 1] > f) {
                first[i] = first[i - 1];
                end[i] = end[i - 1];
                i--;
            }
            first[i] = f;
            end[i] = e;
        }
        List<long[]> merged = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long[] last = merged.isEmpty() ? null : merged.getLast();
            if (last != null && first[i] <= last[1]) {
                last[1] = Math.max(last[1], end[i]);
            } else {
                merged.add(new long[] {first[i], end[i]});
            }
        }
        return merged.toArray(new long[0][]);
    }

    /**
     * Puts {@code [from, to)} on the free lists as the largest naturally aligned blocks that fit,
     * in address order: exactly the state that freeing the frames one by one (and merging
     * buddies) would reach, free lists' order included, since each block is pushed after every
     * lower one. Constructor only.
     */
    private void freeRun(int from, int to) {
        int f = from;
        while (f < to) {
            int k = f == 0 ? maxOrder : Math.min(maxOrder, Integer.numberOfTrailingZeros(f));
            while (f + (1 << k) > to || f + (1 << k) < 0) {
                k--;
            }
            push(f, k);
            freeFrames += 1L << k;
            f += 1 << k;
        }
    }

    /** Rejects a max order the state byte cannot hold. */
    public static void checkMaxOrder(int maxOrder) {
        if (maxOrder < 0 || maxOrder > MAX_SUPPORTED_ORDER) {
            throw new IllegalArgumentException(
                    "max order " + maxOrder + " is outside 0.." + MAX_SUPPORTED_ORDER);
        }
    }

    /** The largest block order handed out. */
    public int maxOrder() {
        return maxOrder;
    }

    /** Frames in the arena. */
    public int frameCount() {
        return frameCount;
    }

    /**
     * Allocates {@code 2^order} contiguous frames.
     *
     * @return the physical address of the block ({@code >= 0}), or {@link #ALLOC_INVALID_ORDER}
     *         or {@link #ALLOC_OUT_OF_MEMORY}
     */
    public long allocateFrames(int order) {
        if (order < 0 || order > maxOrder) {
            return ALLOC_INVALID_ORDER;
        }
        lock.lock();
        try {
            int k = order;
            while (k <= maxOrder && freeHead[k] == NIL) {
                k++;
            }
            if (k > maxOrder) {
                return ALLOC_OUT_OF_MEMORY;
            }
            int head = freeHead[k];
            unlink(head, k);
            // Split down to the requested order; the upper halves go back on the free lists.
            while (k > order) {
                k--;
                push(head + (1 << k), k);
            }
            state[head] = (byte) (ALLOC_HEAD | order);
            freeFrames -= 1L << order;
            return (long) head << SHIFT;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns a block. Decode checks everything first; a rejected free changes nothing.
     *
     * @return {@link #FREE_OK} or one of the negative {@code FREE_*} codes
     */
    public int freeFrames(long physicalAddress, int order) {
        if (order < 0 || order > maxOrder) {
            return FREE_INVALID_ORDER;
        }
        if (physicalAddress < 0 || physicalAddress >= (long) frameCount << SHIFT) {
            return FREE_OUTSIDE_ARENA;
        }
        if ((physicalAddress & (FRAME - 1)) != 0) {
            return FREE_UNALIGNED;
        }
        int frame = (int) (physicalAddress >>> SHIFT);
        lock.lock();
        try {
            int code = classifyFree(frame, order);
            if (code == FREE_OK) {
                freeFrames += 1L << order;
                release(frame, order);
            }
            return code;
        } finally {
            lock.unlock();
        }
    }

    private int classifyFree(int frame, int order) {
        int s = state[frame];
        return switch (s & KIND_MASK) {
            case RESERVED -> FREE_RESERVED;
            case FREE_HEAD -> FREE_DOUBLE_FREE;
            case ALLOC_HEAD -> (s & ORDER_MASK) == order ? FREE_OK : FREE_WRONG_ORDER;
            default -> {
                int head = containingHead(frame);
                yield (state[head] & KIND_MASK) == FREE_HEAD ? FREE_DOUBLE_FREE : FREE_INTERIOR;
            }
        };
    }

    /** The head of the block that holds a non-reserved frame. Caller holds the lock. */
    private int containingHead(int frame) {
        for (int k = 0; k <= maxOrder; k++) {
            int candidate = frame & ~((1 << k) - 1);
            int s = state[candidate];
            int kind = s & KIND_MASK;
            if ((kind == FREE_HEAD || kind == ALLOC_HEAD) && candidate + (1 << (s & ORDER_MASK)) > frame) {
                return candidate;
            }
        }
        throw new IllegalStateException("frame " + frame + " belongs to no block: allocator metadata is corrupt");
    }

    /** Puts a block on the free lists, merging it with its buddy as long as the buddy is free. */
    private void release(int frame, int order) {
        int head = frame;
        int k = order;
        state[head] = NONE;
        while (k < maxOrder) {
            int buddy = head ^ (1 << k);
            if (buddy >= frameCount || state[buddy] != (byte) (FREE_HEAD | k)) {
                break;
            }
            unlink(buddy, k);
            state[buddy] = NONE;
            head = Math.min(head, buddy);
            k++;
        }
        push(head, k);
    }

    private void push(int frame, int order) {
        state[frame] = (byte) (FREE_HEAD | order);
        int old = freeHead[order];
        next[frame] = old;
        prev[frame] = NIL;
        if (old != NIL) {
            prev[old] = frame;
        }
        freeHead[order] = frame;
        freeBlocks[order]++;
    }

    private void unlink(int frame, int order) {
        int n = next[frame];
        int p = prev[frame];
        if (p == NIL) {
            freeHead[order] = n;
        } else {
            next[p] = n;
        }
        if (n != NIL) {
            prev[n] = p;
        }
        freeBlocks[order]--;
    }

    /**
     * Takes one specific free frame off the free lists as an order-0 block, splitting the free
     * block that holds it (the other halves stay free). Compaction uses it to pin the free frames
     * of the block it is emptying, so that no allocation lands there meanwhile.
     *
     * @return whether the frame was free and is now allocated
     */
    public boolean claimFrame(long physicalAddress) {
        if (physicalAddress < 0 || physicalAddress >= (long) frameCount << SHIFT || (physicalAddress & (FRAME - 1)) != 0) {
            return false;
        }
        int frame = (int) (physicalAddress >>> SHIFT);
        lock.lock();
        try {
            if (state[frame] == RESERVED) {
                return false;
            }
            int head = containingHead(frame);
            if ((state[head] & KIND_MASK) != FREE_HEAD) {
                return false;
            }
            int k = state[head] & ORDER_MASK;
            unlink(head, k);
            state[head] = NONE;
            while (k > 0) {
                k--;
                int half = 1 << k;
                if (frame < head + half) {
                    push(head + half, k);
                } else {
                    push(head, k);
                    head += half;
                }
            }
            state[frame] = (byte) ALLOC_HEAD;
            freeFrames--;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the frame at {@code physicalAddress} is inside a free block. */
    public boolean isFreeFrame(long physicalAddress) {
        if (physicalAddress < 0 || physicalAddress >= (long) frameCount << SHIFT) {
            return false;
        }
        int frame = (int) (physicalAddress >>> SHIFT);
        lock.lock();
        try {
            return state[frame] != RESERVED && (state[containingHead(frame)] & KIND_MASK) == FREE_HEAD;
        } finally {
            lock.unlock();
        }
    }

    /** {@link #allocateFrames} as an API result. */
    public AllocResult allocate(int order) {
        lock.lock();
        try {
            long address = allocateFrames(order);
            if (address >= 0) {
                return new AllocResult.Allocated(address, order);
            }
            if (address == ALLOC_INVALID_ORDER) {
                return new AllocResult.InvalidOrder(order, maxOrder);
            }
            return new AllocResult.OutOfMemory(order, largestFreeOrder());
        } finally {
            lock.unlock();
        }
    }

    /** {@link #freeFrames} as an API result, with the details a diagnostic needs. */
    public FreeResult free(long physicalAddress, int order) {
        lock.lock();
        try {
            int code = freeFrames(physicalAddress, order);
            return switch (code) {
                case FREE_OK -> new FreeResult.Freed(physicalAddress, order);
                case FREE_INVALID_ORDER -> new FreeResult.InvalidOrder(order, maxOrder);
                case FREE_OUTSIDE_ARENA -> new FreeResult.OutsideArena(physicalAddress, (long) frameCount << SHIFT);
                case FREE_UNALIGNED -> new FreeResult.Unaligned(physicalAddress);
                case FREE_RESERVED -> new FreeResult.ReservedFrame(physicalAddress);
                case FREE_DOUBLE_FREE -> new FreeResult.DoubleFree(physicalAddress, order);
                case FREE_WRONG_ORDER -> new FreeResult.WrongOrder(
                        physicalAddress, order, state[(int) (physicalAddress >>> SHIFT)] & ORDER_MASK);
                case FREE_INTERIOR -> {
                    int head = containingHead((int) (physicalAddress >>> SHIFT));
                    yield new FreeResult.InteriorFrame(physicalAddress, (long) head << SHIFT, state[head] & ORDER_MASK);
                }
                default -> throw new IllegalStateException("unknown free code " + code);
            };
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether {@code [physicalAddress, physicalAddress + length)} lies inside one allocated
     * block: the check that keeps an address space from mapping free or reserved frames.
     */
    public boolean isAllocated(long physicalAddress, long length) {
        long arenaBytes = (long) frameCount << SHIFT;
        if (physicalAddress < 0 || length <= 0 || physicalAddress >= arenaBytes
                || length > arenaBytes - physicalAddress) {
            return false;
        }
        int frame = (int) (physicalAddress >>> SHIFT);
        int lastFrame = (int) ((physicalAddress + length - 1) >>> SHIFT);
        lock.lock();
        try {
            if (state[frame] == RESERVED) {
                return false;
            }
            int head = containingHead(frame);
            int s = state[head];
            return (s & KIND_MASK) == ALLOC_HEAD && lastFrame < head + (1 << (s & ORDER_MASK));
        } finally {
            lock.unlock();
        }
    }

    /** A consistent snapshot of the counters. */
    public MemoryStats stats() {
        lock.lock();
        try {
            List<Long> perOrder = new ArrayList<>(maxOrder + 1);
            for (long count : freeBlocks) {
                perOrder.add(count);
            }
            return new MemoryStats(frameCount, reservedFrames, freeFrames, maxOrder, perOrder, largestFreeOrder());
        } finally {
            lock.unlock();
        }
    }

    /** Free frames right now. */
    public long freeFrameCount() {
        lock.lock();
        try {
            return freeFrames;
        } finally {
            lock.unlock();
        }
    }

    private int largestFreeOrder() {
        for (int k = maxOrder; k >= 0; k--) {
            if (freeHead[k] != NIL) {
                return k;
            }
        }
        return -1;
    }

    /**
     * Checks every invariant of the metadata against itself (for tests; O(frames)): free lists
     * hold exactly the free heads with the right order, counts match, blocks tile the
     * non-reserved frames without overlap, and no two free buddies are left unmerged.
     *
     * @throws IllegalStateException describing the first violation found
     */
    public void verifyIntegrity() {
        lock.lock();
        try {
            long listed = 0;
            for (int k = 0; k <= maxOrder; k++) {
                long count = 0;
                int p = NIL;
                for (int f = freeHead[k]; f != NIL; f = next[f]) {
                    check(state[f] == (byte) (FREE_HEAD | k), "frame %d on free list %d has state %d", f, k, state[f]);
                    check(prev[f] == p, "frame %d has prev %d, expected %d", f, prev[f], p);
                    check((f & ((1 << k) - 1)) == 0, "free block %d of order %d is unaligned", f, k);
                    int buddy = f ^ (1 << k);
                    check(k == maxOrder || buddy >= frameCount || state[buddy] != (byte) (FREE_HEAD | k),
                            "free buddies %d and %d of order %d are not merged", f, buddy, k);
                    p = f;
                    count++;
                    check(count <= frameCount, "free list %d has a cycle", k);
                }
                check(count == freeBlocks[k], "order %d: %d listed, counter says %d", k, count, freeBlocks[k]);
                listed += count << k;
            }
            check(listed == freeFrames, "free lists hold %d frames, counter says %d", listed, freeFrames);
            long reserved = 0;
            int f = 0;
            while (f < frameCount) {
                int s = state[f];
                int kind = s & KIND_MASK;
                if (kind == RESERVED) {
                    reserved++;
                    f++;
                    continue;
                }
                check(kind == FREE_HEAD || kind == ALLOC_HEAD, "frame %d starts no block (state %d)", f, s);
                int size = 1 << (s & ORDER_MASK);
                check(f + size <= frameCount, "block %d of %d frames runs past the arena", f, size);
                for (int i = f + 1; i < f + size; i++) {
                    check(state[i] == NONE, "frame %d inside block %d has state %d", i, f, state[i]);
                }
                f += size;
            }
            check(reserved == reservedFrames, "%d reserved frames, expected %d", reserved, reservedFrames);
        } finally {
            lock.unlock();
        }
    }

    private static void check(boolean condition, String format, Object... args) {
        if (!condition) {
            throw new IllegalStateException(String.format(format, args));
        }
    }
}
