package dev.kosh.memory;

/**
 * How an access through a {@link VirtualAddressSpace} ended: translated (after resolving a
 * fault if there was one) or a signal for the process.
 */
public sealed interface Access {

    /** How a page fault on the way was resolved. */
    enum Fault {
        /** No fault: the page was present with the rights needed. */
        NONE,
        /** Demand-zero: a fresh frame was allocated, zeroed and mapped. */
        MINOR,
        /** The page came back from swap. */
        MAJOR,
        /** A write to a shared page: the writer got its own copy (or the last sharer its page back). */
        COPY_ON_WRITE
    }

    /** The access is allowed and lands at {@code physicalAddress}. */
    record Resolved(long virtualAddress, long physicalAddress, Fault fault) implements Access {}

    /** The access faulted and nothing could resolve it: the process gets {@code reason.signal()}. */
    record Signal(long virtualAddress, AccessKind access, SignalReason reason) implements Access {}
}
