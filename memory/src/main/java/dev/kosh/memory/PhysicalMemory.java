package dev.kosh.memory;

import dev.kosh.hal.MemoryMap;
import dev.kosh.memory.internal.BuddyAllocator;
import dev.kosh.memory.internal.HostArena;
import dev.kosh.memory.internal.PagedAddressSpace;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;

/**
 * The machine's physical memory: one off-heap arena (see {@link ArenaBacking}) split into 4 KiB frames, handed out by a
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

    private final HostArena host;
    private final MemorySegment memory;
    private final BuddyAllocator frames;

    private PhysicalMemory(HostArena host, BuddyAllocator frames) {
        this.host = host;
        this.memory = host.segment();
        this.frames = frames;
    }

    /** {@link #create(long, int, List)} with the default max order. */
    public static PhysicalMemory create(long sizeBytes, List<MemoryRange> memoryMap) {
        return create(sizeBytes, DEFAULT_MAX_ORDER, memoryMap);
    }

    /** {@link #create(long, int, List, ArenaBacking.Policy)}, preferring huge pages. */
    public static PhysicalMemory create(long sizeBytes, int maxOrder, List<MemoryRange> memoryMap) {
        return create(sizeBytes, maxOrder, memoryMap, ArenaBacking.Policy.PREFER_HUGE_PAGES);
    }

    /**
     * {@link #create(long, int, MemoryMap, ArenaBacking.Policy)} with the default max order,
     * preferring huge pages: what the boot sequence calls with the HAL's {@code getMemoryMap()}.
     */
    public static PhysicalMemory create(long sizeBytes, MemoryMap hostMap) {
        return create(sizeBytes, DEFAULT_MAX_ORDER, hostMap, ArenaBacking.Policy.PREFER_HUGE_PAGES);
    }

    /**
     * An arena that models the host's physical memory from address 0: every frame of
     * {@code [0, sizeBytes)} that the host map does not describe as usable RAM is reserved
     * (see {@link MemoryRange#reservedIn(MemoryMap, long)}), so the legacy hole below 1 MiB,
     * ACPI tables and device windows are never handed out.
     */
    public static PhysicalMemory create(long sizeBytes, int maxOrder, MemoryMap hostMap, ArenaBacking.Policy backing) {
        Objects.requireNonNull(hostMap, "hostMap");
        return create(sizeBytes, maxOrder, MemoryRange.reservedIn(hostMap, sizeBytes), backing);
    }

    /**
     * Gets the arena from the host and puts every frame that no non-usable range of
     * {@code memoryMap} touches on the free lists, merged into the largest aligned blocks.
     * The cost does not grow with the size's bytes: the host commits pages on first touch
     * (unless it falls back to the Java arena; {@link #backing()} says which), and the
     * allocator's setup is linear in frames with a small constant.
     *
     * @param sizeBytes a positive multiple of 4 KiB
     * @param maxOrder  the largest block order, {@code 0..MAX_SUPPORTED_ORDER}
     * @param memoryMap the boot memory map; ranges other than USABLE are reserved
     * @param backing   which host backings may be tried
     * @throws IllegalArgumentException for a bad size or order (boot configuration errors)
     * @throws OutOfMemoryError if the host cannot provide the arena
     */
    public static PhysicalMemory create(long sizeBytes, int maxOrder, List<MemoryRange> memoryMap,
                                        ArenaBacking.Policy backing) {
        Objects.requireNonNull(memoryMap, "memoryMap");
        Objects.requireNonNull(backing, "backing");
        if (sizeBytes <= 0 || (sizeBytes & (FRAME_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("arena size " + sizeBytes + " is not a positive multiple of 4096");
        }
        if (sizeBytes >> FRAME_SHIFT > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("arena size " + sizeBytes + " exceeds 2^31 frames");
        }
        // Checked before the arena exists, so a bad order cannot leak it.
        BuddyAllocator.checkMaxOrder(maxOrder);
        // Page-aligned, so frame n's physical address n*4096 is 4096-aligned in the host too.
        HostArena host = HostArena.allocate(sizeBytes, backing);
        try {
            BuddyAllocator frames = new BuddyAllocator((int) (sizeBytes >> FRAME_SHIFT), maxOrder, memoryMap);
            return new PhysicalMemory(host, frames);
        } catch (RuntimeException | Error e) {
            host.close();
            throw e;
        }
    }

    /**
     * Binds and checks the host calls that {@link #create} uses for its mapping, so that
     * {@code create} itself costs about a millisecond. Optional: {@code create} does it if
     * nobody did. Worth calling from a background thread at the very start of boot, because in
     * a JVM that has not used {@code java.lang.foreign} yet it takes about 80 ms (binding the
     * first native function), and under 10 ms after that.
     *
     * <p>Any thread; idempotent; a concurrent {@code create} waits for it.
     *
     * @return empty if {@code mmap} is usable; otherwise why not, and {@code create} will use
     *         the Java arena
     */
    public static java.util.Optional<String> prepareHost() {
        return java.util.Optional.ofNullable(HostArena.prepare());
    }

    /** What backs the arena (huge pages, an ordinary mapping, the Java arena) and why: for the boot journal. */
    public ArenaBacking backing() {
        return host.backing();
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

    /** A new, empty address space whose page tables live in this memory, without a quota. */
    public CreateSpaceResult newAddressSpace() {
        return PagedAddressSpace.create(memory, frames);
    }

    /**
     * A new, empty address space that may hold at most {@code frameQuota} frames, page tables
     * included (see {@link AddressSpace#chargedFrames()}); a map beyond it returns
     * {@link MapResult.QuotaExceeded}.
     *
     * @throws IllegalArgumentException if {@code frameQuota < 1}
     */
    public CreateSpaceResult newAddressSpace(long frameQuota) {
        return PagedAddressSpace.create(memory, frames, frameQuota);
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

    /** The allocator, for {@link VirtualMemory}. */
    BuddyAllocator frames() {
        return frames;
    }

    /** The whole arena, for {@link VirtualMemory}. */
    MemorySegment arena() {
        return memory;
    }

    /** The arena size in bytes. */
    public long sizeBytes() {
        return memory.byteSize();
    }

    /** The largest block order the allocator hands out. */
    public int maxOrder() {
        return frames.maxOrder();
    }

    /**
     * Gives the arena back to the host. Every segment from {@link #segment} becomes unusable
     * (an access throws {@link IllegalStateException}). Idempotent.
     */
    @Override
    public void close() {
        host.close();
    }
}
