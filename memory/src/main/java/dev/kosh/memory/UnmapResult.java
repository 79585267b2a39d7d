package dev.kosh.memory;

/** How an unmap ended. Every case other than {@link Unmapped} left the address space unchanged. */
public sealed interface UnmapResult {

    /**
     * The page is gone and its TLB entry invalidated. {@code frameFreed} says whether the data
     * frame went back to the allocator (it does for anonymous pages, which the space owns).
     */
    record Unmapped(long virtualAddress, long physicalAddress, PageSize size, boolean frameFreed)
            implements UnmapResult {}

    /** The address has bits 48..63 that are not copies of bit 47. */
    record NonCanonical(long virtualAddress) implements UnmapResult {}

    /** The address is not the start of the page that maps it (or not 4 KiB aligned). */
    record Unaligned(long virtualAddress, PageSize size) implements UnmapResult {}

    /** No page maps the address. */
    record NotMapped(long virtualAddress) implements UnmapResult {}
}
