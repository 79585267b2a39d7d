package dev.kosh.memory;

/**
 * A process's virtual address space: regions (heap, stacks with guard pages, anonymous
 * memory) reserved without frames, over an x86-64 page table (see {@link AddressSpace}).
 *
 * <p>Every access goes through {@link #access}: it translates through the software MMU and
 * resolves the page faults a kernel resolves: demand-zero (a frame on first touch, a minor
 * fault), swap-in (a major fault), copy-on-write. What cannot be resolved is an
 * {@link Access.Signal} for the process, never an exception.
 *
 * <p>Frames are reference-counted across spaces ({@link #cloneSpace}, {@link #shareCopyOnWrite}):
 * the last owner frees a frame. {@link #close()} returns every frame, page table and swap slot.
 *
 * <p>Thread safety: any thread. One lock per {@link VirtualMemory} serialises every space's
 * operations (it nests outside the page table's lock and the allocator's). After close, every
 * method but {@code close} throws {@link IllegalStateException}.
 */
public interface VirtualAddressSpace extends AutoCloseable {

    /** The space's id in its {@link VirtualMemory} (what {@code pmap} shows). */
    long id();

    /** The randomised bases of this space. */
    AddressLayout layout();

    /** The physical address of the PML4: the CR3 value. */
    long rootTable();

    /**
     * Reserves {@code [start, start + length)}; a {@link RegionKind#STACK} region also reserves
     * one guard page below {@code start}.
     *
     * @return Reserved, NonCanonical (only the user half), Unaligned, Overlaps
     */
    ReserveResult reserve(long start, long length, RegionKind kind, Protection protection);

    /** Reserves a stack of {@code length} bytes (read/write, no-execute, user) below the previous one, the first ending at {@link AddressLayout#stackTop()}. */
    ReserveResult reserveStack(long length);

    /** Reserves anonymous memory top-down from {@link AddressLayout#mmapBase()}. */
    ReserveResult reserveAnonymous(long length, Protection protection);

    /** Releases the region that starts at {@code start}: unmaps its pages and drops its swap slots. */
    ReleaseResult release(long start);

    /** The region that contains {@code virtualAddress} (not its guard), if any. */
    java.util.Optional<Region> regionAt(long virtualAddress);

    /** One access by the process, faults resolved where they can be. */
    Access access(long virtualAddress, AccessKind access, boolean userMode);

    /** Reads {@code into.length} bytes from {@code virtualAddress} as a user-mode access. */
    CopyResult read(long virtualAddress, byte[] into);

    /** Writes {@code from} at {@code virtualAddress} as a user-mode access. */
    CopyResult write(long virtualAddress, byte[] from);

    /**
     * A copy of this space for process cloning ({@code fork}): same layout and regions; every
     * resident page shared read-only with the clone until one side writes; swapped pages share
     * their slot.
     */
    SpaceResult cloneSpace();

    /**
     * Maps the pages of {@code [sourceAddress, +length)} into {@code target} at
     * {@code targetAddress}, read-only in both until one side writes. Source pages not yet
     * present are brought in first. The target range must be inside one reserved region and
     * hold no page yet.
     */
    ShareResult shareCopyOnWrite(long sourceAddress, long length, VirtualAddressSpace target, long targetAddress);

    /** Pages backed by a frame. */
    long residentPages();

    /** Pages in swap. */
    long swappedPages();

    /** Page-table frames, the PML4 included. */
    long pageTableFrames();

    /**
     * Sets the most frames (resident pages plus page tables) this space may hold; a fault that
     * would pass it is a {@link SignalReason#QUOTA_EXCEEDED} signal.
     */
    void setFrameQuota(long frames);

    /**
     * Sets the most pages this space may have in swap. At its frame quota a fault first swaps out
     * one of the space's own cold pages (if this quota and the device allow) before it fails
     * with {@link SignalReason#QUOTA_EXCEEDED}; the system-wide reclaim passes over a space whose
     * swap quota is used up. Lowering it below what is in swap only stops further swap-outs.
     */
    void setSwapQuota(long pages);

    /** The frame quota (resident pages plus page tables). */
    long frameQuota();

    /** The swap quota in pages. */
    long swapQuota();

    // ---- the process's system calls on its own space (docs/memory.md, "System calls") ----

    /**
     * mmap of anonymous memory: {@code pages} pages with {@code protection}, no frame until
     * touched. With {@code hint} 0 the space picks the range (top-down below the randomised mmap
     * base, skipping what is taken); otherwise the range at {@code hint} if it is free, else a
     * range the space picks (as Linux without MAP_FIXED).
     *
     * @return Done(start, bytes), or Refused: UNALIGNED (hint), OUT_OF_RANGE (pages &lt; 1, overflow,
     *         past the user half), NO_SPACE
     */
    RangeResult map(long hint, long pages, Protection protection);

    /**
     * munmap of {@code [start, start + length)}: every page in it is unmapped (frames, swap slots
     * and views released); a region only partly inside is split and keeps the rest. Pages in the
     * range that were never mapped are no error (as Linux).
     *
     * @return Done, or Refused: UNALIGNED, OUT_OF_RANGE
     */
    RangeResult unmap(long start, long length);

    /**
     * mprotect of {@code [start, start + length)}: the rights of every page in it, resident ones
     * rewritten in the page table at once; regions are split at the range's ends. A page shared
     * copy-on-write stays read-only in the table until it is written.
     *
     * @return Done, or Refused: UNALIGNED, OUT_OF_RANGE, NOT_MAPPED (a hole in the range: nothing changed)
     */
    RangeResult protect(long start, long length, Protection protection);

    /** The current program break (the heap's end); {@link AddressLayout#heapBase()} until the heap grows. */
    long heapBreak();

    /**
     * brk: moves the program break to {@code newBreak} (any byte address at or above the heap
     * base). Growing reserves read/write pages up to the break rounded up to a page; shrinking
     * unmaps every page wholly above it.
     *
     * @return Done(heapBase, newBreak - heapBase), or Refused: OUT_OF_RANGE (below the heap base,
     *         past the user half), NO_SPACE (the heap would run into another region)
     */
    RangeResult brk(long newBreak);

    /**
     * A bounded view of {@code [start, start + length)} for the owning process, the range inside
     * one page. The page is brought in as for an access of {@code access} ({@code READ} or
     * {@code WRITE}; a write view breaks a copy-on-write share first).
     *
     * @return Viewed, Faulted (the signal the access gets), or Refused: OUT_OF_RANGE (length &lt; 1,
     *         the range crosses a page boundary), UNALIGNED (EXECUTE is no view kind)
     */
    ViewResult view(long start, long length, AccessKind access);

    /** Regions, resident and swapped pages: what {@code pmap} prints. */
    Pmap pmap();

    /** Returns every frame, page table and swap slot of the space. Idempotent. */
    @Override
    void close();
}
