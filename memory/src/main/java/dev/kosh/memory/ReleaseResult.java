package dev.kosh.memory;

/** How releasing (munmap of) a region ended. */
public sealed interface ReleaseResult {

    /** The region is gone; {@code residentPages} pages were unmapped and {@code swappedPages} swap slots dropped. */
    record Released(Region region, long residentPages, long swappedPages) implements ReleaseResult {}

    /** No region starts at {@code start}. */
    record NoRegion(long start) implements ReleaseResult {}
}
