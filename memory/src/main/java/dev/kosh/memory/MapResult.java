package dev.kosh.memory;

/** How a map operation ended. Every case other than {@link Mapped} left the address space unchanged. */
public sealed interface MapResult {

    /** The page at {@code virtualAddress} now maps {@code physicalAddress}. */
    record Mapped(long virtualAddress, long physicalAddress, PageSize size) implements MapResult {}

    /** The address has bits 48..63 that are not copies of bit 47. */
    record NonCanonical(long virtualAddress) implements MapResult {}

    /** {@code address} (virtual or physical) is not a multiple of the page size. */
    record Unaligned(long address, PageSize size) implements MapResult {}

    /**
     * Something already maps part of the page: a page at the same address, a large page
     * covering it, or (for a large page) small pages inside it.
     */
    record AlreadyMapped(long virtualAddress) implements MapResult {}

    /** The physical range is not inside the arena. */
    record FrameOutsideArena(long physicalAddress, PageSize size) implements MapResult {}

    /** The physical range is not inside one allocated block: mapping it would expose free memory. */
    record FrameNotAllocated(long physicalAddress, PageSize size) implements MapResult {}

    /**
     * The map would take the space past its frame quota: it needs {@code neededFrames} (the data
     * frames of an anonymous page plus the page tables it would create), the space is charged
     * {@code chargedFrames} already, and may hold {@code quota}. Checked before anything is
     * allocated.
     */
    record QuotaExceeded(long virtualAddress, PageSize size, long neededFrames, long chargedFrames, long quota)
            implements MapResult {}

    /** No frame was left for the data page or for a page table on the way. */
    record OutOfMemory(long virtualAddress, PageSize size) implements MapResult {}
}
