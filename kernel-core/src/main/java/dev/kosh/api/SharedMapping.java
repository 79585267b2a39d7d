package dev.kosh.api;

import java.nio.ByteBuffer;

/**
 * A shared-memory region mapped into this process ({@link Ipc#map}): zero-copy bulk data between
 * processes. Read-only unless the capability it was mapped with has {@link Right#WRITE}.
 *
 * <p>The accessors are the data plane: a bad offset, a write to a read-only mapping, or any access
 * after the mapping was unmapped (by {@link #close()}, or because the capability was deleted or
 * revoked) throws {@link KoshException} in the calling thread — the process's own fault, like a page
 * fault — and never reaches the other processes or the kernel.
 *
 * <p>Threads: any thread of the process; the processes sharing a region coordinate among themselves.
 */
public interface SharedMapping extends AutoCloseable {

    /** Size in bytes. */
    long size();

    boolean writable();

    /** True until unmapped (closed, or its capability deleted or revoked). */
    boolean mapped();

    byte getByte(long offset);

    void putByte(long offset, byte value);

    int getInt(long offset);

    void putInt(long offset, int value);

    long getLong(long offset);

    void putLong(long offset, long value);

    /** Copies {@code length} bytes at {@code offset} into {@code dst[dstOffset..]}. */
    void read(long offset, byte[] dst, int dstOffset, int length);

    /** Copies {@code src[srcOffset..srcOffset+length)} to {@code offset}. */
    void write(long offset, byte[] src, int srcOffset, int length);

    /**
     * A direct view of the whole region (read-only for a read-only mapping). Invalid — every access
     * throws {@link IllegalStateException} — once the mapping is unmapped.
     */
    ByteBuffer buffer();

    /** Unmaps this view; the capability stays (map again with it). */
    @Override
    void close();
}
