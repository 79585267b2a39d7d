package dev.kosh.memory;

/** What an access through the MMU does: the x86 page-fault error code tells these apart. */
public enum AccessKind {
    /** A data read. */
    READ,
    /** A data write: needs a writable page and sets the dirty bit. */
    WRITE,
    /** An instruction fetch: needs a page without no-execute. */
    EXECUTE
}
