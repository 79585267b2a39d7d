package dev.kosh.api;

/**
 * The rights of pages a process maps in its own address space ({@link Memory}). Mapped pages are
 * always readable; there is no writable-and-executable kind (W^X).
 */
public enum PageProtection {
    /** Read only (constants, a sealed buffer). */
    READ,
    /** Read and write (data, heap). */
    READ_WRITE,
    /** Read and execute (code). */
    READ_EXECUTE
}
