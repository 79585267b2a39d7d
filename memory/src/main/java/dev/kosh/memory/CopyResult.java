package dev.kosh.memory;

/** How a read or write of a range of a {@link VirtualAddressSpace} ended. */
public sealed interface CopyResult {

    /** Every byte was copied. */
    record Copied(long bytes) implements CopyResult {}

    /** The copy stopped at a page that signalled; {@code bytesCopied} bytes before it were copied. */
    record Faulted(long bytesCopied, Access.Signal signal) implements CopyResult {}
}
