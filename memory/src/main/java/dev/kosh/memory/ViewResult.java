package dev.kosh.memory;

/** How asking for a {@link MemoryView} of a mapped range ended. */
public sealed interface ViewResult {

    /** The view; close it when done. */
    record Viewed(MemoryView view) implements ViewResult {}

    /** Bringing the page in faulted: what the process gets instead of the view. */
    record Faulted(Access.Signal signal) implements ViewResult {}

    /** The arguments were wrong (unaligned length, a range that spans pages, overflow). */
    record Refused(RangeResult.Refusal reason, String message) implements ViewResult {}
}
