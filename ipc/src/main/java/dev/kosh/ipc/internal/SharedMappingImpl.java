package dev.kosh.ipc.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

import dev.kosh.api.Errno;
import dev.kosh.api.KoshException;
import dev.kosh.api.SharedMapping;
import dev.kosh.kernel.cap.Capability;

/**
 * One process's view of a {@link SharedRegion}. Accessors run in the process's thread; a bad
 * access becomes a {@link KoshException} there (the process's own fault), never a kernel failure.
 */
final class SharedMappingImpl implements SharedMapping {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private final SharedRegion region;
    final Capability via;
    private final Arena view;
    private final MemorySegment segment;
    private final boolean writable;
    private volatile boolean mapped = true;

    SharedMappingImpl(SharedRegion region, Capability via, Arena view, MemorySegment segment, boolean writable) {
        this.region = region;
        this.via = via;
        this.view = view;
        this.segment = segment;
        this.writable = writable;
    }

    @Override
    public long size() {
        return segment.byteSize();
    }

    @Override
    public boolean writable() {
        return writable;
    }

    @Override
    public boolean mapped() {
        return mapped;
    }

    private KoshException fault(RuntimeException e) {
        if (!mapped) return new KoshException(Errno.CLOSED, "shared memory " + region.describe() + " is no longer mapped");
        if (e instanceof UnsupportedOperationException || e instanceof IllegalArgumentException && !writable) {
            return new KoshException(Errno.MISSING_RIGHT, "shared memory " + region.describe() + " is mapped read-only");
        }
        return new KoshException(Errno.INVALID_ARGUMENT, "bad access to " + region.describe() + ": " + e.getMessage());
    }

    @Override
    public byte getByte(long offset) {
        try {
            return segment.get(ValueLayout.JAVA_BYTE, offset);
        } catch (RuntimeException e) {
            throw fault(e);
        }
    }

    @Override
    public void putByte(long offset, byte value) {
        try {
            segment.set(ValueLayout.JAVA_BYTE, offset, value);
        } catch (RuntimeException e) {
            throw fault(e);
        }
    }

    @Override
    public int getInt(long offset) {
        try {
            return segment.get(INT, offset);
        } catch (RuntimeException e) {
            throw fault(e);
        }
    }

    @Override
    public void putInt(long offset, int value) {
        try {
            segment.set(INT, offset, value);
        } catch (RuntimeException e) {
            throw fault(e);
        }
    }

    @Override
    public long getLong(long offset) {
        try {
            return segment.get(LONG, offset);
        } catch (RuntimeException e) {
            throw fault(e);
        }
    }

    @Override
    public void putLong(long offset, long value) {
        try {
            segment.set(LONG, offset, value);
        } catch (RuntimeException e) {
            throw fault(e);
        }
    }

    @Override
    public void read(long offset, byte[] dst, int dstOffset, int length) {
        try {
            MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, offset, dst, dstOffset, length);
        } catch (RuntimeException e) {
            throw fault(e);
        }
    }

    @Override
    public void write(long offset, byte[] src, int srcOffset, int length) {
        try {
            MemorySegment.copy(src, srcOffset, segment, ValueLayout.JAVA_BYTE, offset, length);
        } catch (RuntimeException e) {
            throw fault(e);
        }
    }

    @Override
    public ByteBuffer buffer() {
        try {
            return segment.asByteBuffer();
        } catch (RuntimeException e) {
            throw fault(e);
        }
    }

    @Override
    public void close() {
        region.forget(this);
        unmap();
    }

    void unmap() {
        if (!mapped) return;
        mapped = false;
        closeQuietly(view);
    }

    /** Closes an arena; one still in use by a concurrent access is retried once the access is over. */
    static void closeQuietly(Arena arena) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            try {
                arena.close();
                return;
            } catch (IllegalStateException e) {
                if (!arena.scope().isAlive()) return; // closed already
                Thread.onSpinWait(); // an in-flight bulk access holds the arena for a moment
            }
        }
    }

    @Override
    public String toString() {
        return "mapping of " + region.describe() + (writable ? " rw" : " ro") + (mapped ? "" : " (unmapped)");
    }
}
