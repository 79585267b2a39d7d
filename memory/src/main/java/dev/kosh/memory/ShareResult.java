package dev.kosh.memory;

/** How sharing a range copy-on-write with another space ended. Every case but {@link Shared} changed nothing in the target. */
public sealed interface ShareResult {

    /** {@code pages} pages are now shared read-only until one side writes. */
    record Shared(long pages) implements ShareResult {}

    /** An address or the length is not page-aligned, or the length is not positive. */
    record Unaligned(long sourceAddress, long targetAddress, long length) implements ShareResult {}

    /** The source range is not inside one region of the source space. */
    record SourceNotReserved(long sourceAddress, long length) implements ShareResult {}

    /** The target range is not inside one region of the target, or some of its pages are already populated. */
    record TargetNotEmpty(long targetAddress, long length) implements ShareResult {}

    /** Bringing a source page in faulted (out of memory, swap error). */
    record Faulted(Access.Signal signal) implements ShareResult {}

    /** The target was not made by the same {@link VirtualMemory}. */
    record ForeignSpace() implements ShareResult {}
}
