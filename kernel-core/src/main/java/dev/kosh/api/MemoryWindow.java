package dev.kosh.api;

import java.nio.ByteBuffer;

/**
 * A bounded window onto bytes of the calling process's own mapped memory ({@link Memory#view}),
 * as {@link SharedMapping} is onto a shared region: offsets are from the window's start and never
 * reach past its {@link #size()}. Read-only unless a writable window was asked for in a writable
 * mapping. While it is open its page stays in memory (it is not swapped out or moved).
 *
 * <p>The kernel closes the window when the mapping under it changes (unmap, protect, process exit).
 * A bad offset, a write to a read-only window, or any access after it closed throws
 * {@link KoshException} (INVALID_ARGUMENT, FAULT, CLOSED) in the calling thread: the process's own
 * fault, never memory it no longer owns.
 *
 * <p>Threads: any thread of the process.
 */
public interface MemoryWindow extends AutoCloseable {

    /** The virtual address the window starts at. */
    long address();

    /** Size in bytes. */
    long size();

    boolean writable();

    /** True until closed (by the process, or by the kernel when the mapping changed). */
    boolean isOpen();

    byte getByte(long offset);

    void putByte(long offset, byte value);

    long getLong(long offset);

    void putLong(long offset, long value);

    /** Copies {@code length} bytes at {@code offset} into {@code dst[dstOffset..]}. */
    void read(long offset, byte[] dst, int dstOffset, int length);

    /** Copies {@code src[srcOffset..srcOffset+length)} to {@code offset}. */
    void write(long offset, byte[] src, int srcOffset, int length);

    /** A direct view of the window (read-only for a read-only window); every access throws IllegalStateException once it closed. */
    ByteBuffer buffer();

    /** Closes the window. Idempotent. */
    @Override
    void close();
}
