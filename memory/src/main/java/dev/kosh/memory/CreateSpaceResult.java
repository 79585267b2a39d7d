package dev.kosh.memory;

/** How creating an address space ended. */
public sealed interface CreateSpaceResult {

    /** A new, empty address space: one zeroed PML4 frame. */
    record Created(AddressSpace space) implements CreateSpaceResult {}

    /** No frame was free for its top-level table. */
    record OutOfMemory() implements CreateSpaceResult {}
}
