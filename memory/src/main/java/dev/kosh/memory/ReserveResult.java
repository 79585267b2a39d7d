package dev.kosh.memory;

/** How reserving a region ended. Every case but {@link Reserved} left the space unchanged. */
public sealed interface ReserveResult {

    /** The region is reserved; no frame is allocated until a page is touched. */
    record Reserved(Region region) implements ReserveResult {}

    /** Part of the range (guard included) is not in the canonical lower (user) half. */
    record NonCanonical(long start, long length) implements ReserveResult {}

    /** The start is not page-aligned or the length not a positive multiple of 4 KiB. */
    record Unaligned(long start, long length) implements ReserveResult {}

    /** The range (guard included) overlaps {@code existing}. */
    record Overlaps(long start, long length, Region existing) implements ReserveResult {}
}
