package dev.kosh.memory;

/** How creating or cloning a {@link VirtualAddressSpace} ended. */
public sealed interface SpaceResult {

    /** The new space. */
    record Created(VirtualAddressSpace space) implements SpaceResult {}

    /** No frame was left for its page tables (or a swapped page could not be shared). */
    record OutOfMemory() implements SpaceResult {}
}
