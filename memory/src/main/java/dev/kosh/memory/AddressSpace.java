package dev.kosh.memory;

import java.util.Optional;

/**
 * One virtual address space: an x86-64 four-level page table whose tables are frames of the
 * arena, and a software MMU (page walker plus TLB) that translates through it.
 *
 * <p>Virtual addresses are 48-bit canonical ({@code 0..0x7FFF_FFFF_FFFF} and
 * {@code 0xFFFF_8000_0000_0000..-1}). Pages are 4 KiB or 2 MiB. The space owns every page
 * table and every anonymous data frame; {@link #close()} returns all of them to the allocator.
 * Frames mapped with {@link #mapFrame} stay the caller's.
 *
 * <p>map, unmap and protect keep the TLB coherent themselves (they invalidate the page they
 * change, as a kernel does with {@code invlpg}). {@link #invalidatePage} and {@link #flushTlb}
 * are for code that changes entries behind the MMU's back (clearing accessed bits for swap)
 * and for a context switch.
 *
 * <p>Thread safety: every method may be called from any thread; one lock per space
 * serialises them (it nests outside the allocator's lock). After {@link #close()} every
 * method but {@code close} throws {@link IllegalStateException}: using a dead address space
 * is a kernel bug, not a process error.
 */
public interface AddressSpace extends AutoCloseable {

    /** The physical address of the PML4 table: what CR3 holds when this space runs. */
    long rootTable();

    /**
     * Maps a fresh, zeroed page that the space owns (freed on unmap and on close). A 2 MiB
     * page takes one order-9 block: 512 physically contiguous frames.
     *
     * @return {@link MapResult.Mapped}, or NonCanonical, Unaligned, AlreadyMapped, QuotaExceeded,
     *         OutOfMemory
     */
    MapResult mapAnonymous(long virtualAddress, PageSize size, Protection protection);

    /**
     * Maps frames the caller allocated and keeps owning (a shared region, a DMA buffer): unmap
     * and close leave them allocated. They must lie inside one allocated block.
     *
     * @return {@link MapResult.Mapped}, or NonCanonical, Unaligned, AlreadyMapped,
     *         FrameOutsideArena, FrameNotAllocated, QuotaExceeded (for the page tables it needs),
     *         OutOfMemory
     */
    MapResult mapFrame(long virtualAddress, long physicalAddress, PageSize size, Protection protection);

    /**
     * Unmaps the page that starts at {@code virtualAddress}, frees its frame if owned, frees
     * page tables that became empty, and invalidates the TLB entry.
     */
    UnmapResult unmap(long virtualAddress);

    /** Changes the rights of the page that starts at {@code virtualAddress} and invalidates its TLB entry. */
    ProtectResult protect(long virtualAddress, Protection protection);

    /**
     * Translates one access as the CPU would: TLB first, then a page walk that sets the
     * accessed bits it passes and, for a write, the dirty bit of the page. A fault is a value.
     */
    Translation translate(long virtualAddress, AccessKind access, boolean userMode);

    /** What maps {@code virtualAddress}, read from the tables without touching the TLB or A/D bits. */
    Optional<PageMapping> lookup(long virtualAddress);

    /** {@code invlpg}: drops any TLB entry that covers {@code virtualAddress}. */
    void invalidatePage(long virtualAddress);

    /** A CR3 reload: drops every TLB entry. */
    void flushTlb();

    /** Frames this space holds as page tables, the PML4 included. */
    long pageTableFrames();

    /** Pages mapped of the given size. */
    long mappedPages(PageSize size);

    /**
     * Frames of the pages this space owns (anonymous memory): 1 per 4 KiB page, 512 per 2 MiB
     * page. Frames mapped with {@link #mapFrame} are their owner's and are not counted.
     */
    long residentFrames();

    /**
     * What the quota bounds: {@link #residentFrames()} plus {@link #pageTableFrames()}, i.e.
     * every frame that {@link #close()} returns to the allocator.
     */
    long chargedFrames();

    /** The most frames this space may be charged; {@code Long.MAX_VALUE} when unlimited. */
    long frameQuota();

    /**
     * Changes the quota. A quota below the current charge takes nothing away: it only makes
     * maps fail with {@link MapResult.QuotaExceeded} until enough is unmapped.
     *
     * @throws IllegalArgumentException if {@code frameQuota < 1} (the PML4 alone is one frame)
     */
    void setFrameQuota(long frameQuota);

    /** Destroys the space: every owned data frame and every page-table frame goes back to the allocator. Idempotent. */
    @Override
    void close();
}
