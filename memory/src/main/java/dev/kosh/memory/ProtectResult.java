package dev.kosh.memory;

/** How a protect operation ended. Every case other than {@link Protected} left the address space unchanged. */
public sealed interface ProtectResult {

    /** The page now has the new rights (its TLB entry was invalidated); {@code previous} were the old ones. */
    record Protected(long virtualAddress, PageSize size, Protection previous) implements ProtectResult {}

    /** The address has bits 48..63 that are not copies of bit 47. */
    record NonCanonical(long virtualAddress) implements ProtectResult {}

    /** The address is not the start of the page that maps it (or not 4 KiB aligned). */
    record Unaligned(long virtualAddress, PageSize size) implements ProtectResult {}

    /** No page maps the address. */
    record NotMapped(long virtualAddress) implements ProtectResult {}
}
