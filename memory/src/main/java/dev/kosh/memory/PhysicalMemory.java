package dev.kosh.memory;

import dev.kosh.memory.internal.BuddyAllocator;
import dev.kosh.memory.internal.PagedAddressSpace;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The machine's physical memory: one off-heap arena split into 4 KiB frames, handed out by a
 * buddy allocator in blocks of {@code 2^order} physically contiguous, naturally aligned frames.
 * Physical addresses are offsets into the arena: frame {@code n} is at {@code n * 4096}.
 *
 * <p>This is what the boot sequence creates ({@link #create}), reports ({@link #stats}) and
 * finally closes. Allocation and free are data-path operations: they return typed results and
 * never throw. Frames are not zeroed on allocation (page tables and anonymous pages are zeroed
 * by the address space that takes them).
 *
 * <p>Thread safety: all methods may be called from any thread. The allocator's state is
 * guarded by its own lock; {@link #close} must be called once, after every address space
 * built on this memory was closed and no other thread uses it.
 */
public final class PhysicalMemory implements AutoCloseable {

    /** log2 of the frame size. */
    public static final int FRAME_SHIFT = 12;
    /** The frame size: 4 KiB. */
    public static final long FRAME_SIZE = 1L << FRAME_SHIFT;
    /** The arena size when the configuration names none: 256 MiB. */
    public static final long DEFAULT_SIZE = 256L << 20;
    /** The largest block order by default: 2^10 frames = 4 MiB. */
    public static final int DEFAULT_MAX_ORDER = 10;
    /** The largest max order accepted: 2^20 frames = 4 GiB blocks. */
    public static final int MAX_SUPPORTED_ORDER = BuddyAllocator.MAX_SUPPORTED_ORDER;

    private final Arena arena;
    private final MemorySegment memory;
    private final BuddyAllocator frames;
    private final AtomicBoolean closed = new AtomicBoolean();

    private PhysicalMemory(Arena arena, MemorySegment memory, BuddyAllocator frames) {
        this.arena = arena;
        this.memory = memory;
        this.frames = frames;
    }

    /** {@link #create(long, int, List)} with the default max order. */
    public static PhysicalMemory create(long sizeBytes, List<MemoryRange> memoryMap) {
        return create(sizeBytes, DEFAULT_MAX_ORDER, memoryMap);
    }

    /**
     * Allocates the arena and puts every frame that no non-usable range of {@code memoryMap}
     * touches on the free lists, merged into the largest aligned blocks.
     *
     * @param sizeBytes a positive multiple of 4 KiB
     * @param maxOrder  the largest block order, {@code 0..MAX_SUPPORTED_ORDER}
     * @param memoryMap the boot memory map; ranges other than USABLE are reserved
     * @throws IllegalArgumentException for a bad size or order (boot configuration errors)
     * @throws OutOfMemoryError if the host cannot provide the arena
     */
    public static PhysicalMemory create(long sizeBytes, int maxOrder, List<MemoryRange> memoryMap) {
        Objects.requireNonNull(memoryMap, "memoryMap");
        if (sizeBytes <= 0 || (sizeBytes & (FRAME_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("arena size " + sizeBytes + " is not a positive multiple of 4096");
        }
        if (sizeBytes >> FRAME_SHIFT > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("arena size " + sizeBytes + " exceeds 2^31 frames");
        }
        // Checked before the arena exists, so a bad order cannot leak it.
        BuddyAllocator.checkMaxOrder(maxOrder);
        Arena arena = Arena.ofShared();
        try {
            // Page-aligned, so frame n's physical address n*4096 is 4096-aligned in the host too.
            MemorySegment memory = arena.allocate(sizeBytes, FRAME_SIZE);
            BuddyAllocator frames = new BuddyAllocator((int) (sizeBytes >> FRAME_SHIFT), maxOrder, memoryMap);
            return new PhysicalMemory(arena, memory, frames);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Allocates {@code 2^order} physically contiguous frames. */
    public AllocResult allocate(int order) {
        return frames.allocate(order);
    }

    /** Returns a block that {@link #allocate} handed out, with the same order. */
    public FreeResult free(long physicalAddress, int order) {
        return frames.free(physicalAddress, order);
    }

    /** A consistent snapshot of the allocator. */
    public MemoryStats stats() {
        return frames.stats();
    }

    /** A new, empty address space whose page tables live in this memory. */
    public CreateSpaceResult newAddressSpace() {
        return PagedAddressSpace.create(memory, frames);
    }

    /**
     * A view of {@code length} bytes of physical memory from {@code physicalAddress}, for the
     * kernel (copying a page, a DMA buffer). Its lifetime is the arena's.
     *
     * @throws IndexOutOfBoundsException if the range is not inside the arena
     */
    public MemorySegment segment(long physicalAddress, long length) {
        return memory.asSlice(physicalAddress, length);
    }

    /** The arena size in bytes. */
    public long sizeBytes() {
        return memory.byteSize();
    }

    /** The largest block order the allocator hands out. */
    public int maxOrder() {
        return frames.maxOrder();
    }

    /** Frees the arena. Every segment from {@link #segment} becomes unusable. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            arena.close();
        }
    }
}
