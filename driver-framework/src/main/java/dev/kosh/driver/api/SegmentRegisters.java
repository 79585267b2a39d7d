package dev.kosh.driver.api;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * {@link Registers} over a mapped segment that lives as long as its own shared arena. Accesses are
 * volatile (a device register is not memory the JIT may cache or reorder) and naturally aligned
 * (as the bus wants them); both checks come before the access, with the offending offset named.
 */
final class SegmentRegisters implements Registers {
    private static final VarHandle BYTE = ValueLayout.JAVA_BYTE.varHandle();
    private static final VarHandle SHORT = ValueLayout.JAVA_SHORT.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final MemorySegment window;
    private final Arena arena;
    private volatile boolean closed;

    SegmentRegisters(MemorySegment window, Arena arena) {
        this.window = Objects.requireNonNull(window, "window");
        this.arena = Objects.requireNonNull(arena, "arena");
    }

    @Override
    public long length() {
        return window.byteSize();
    }

    private long check(long offset, int size) {
        if (closed) throw new IllegalStateException("register window closed");
        if (offset < 0 || offset > window.byteSize() - size) {
            throw new IndexOutOfBoundsException("register offset 0x" + Long.toHexString(offset) + " (+" + size
                    + ") outside the window of 0x" + Long.toHexString(window.byteSize()) + " bytes");
        }
        if ((offset & (size - 1)) != 0) {
            throw new IllegalArgumentException("register offset 0x" + Long.toHexString(offset) + " is not aligned to " + size + " bytes");
        }
        return offset;
    }

    @Override
    public byte read8(long offset) {
        return (byte) BYTE.getVolatile(window, check(offset, 1));
    }

    @Override
    public void write8(long offset, byte value) {
        BYTE.setVolatile(window, check(offset, 1), value);
    }

    @Override
    public short read16(long offset) {
        return (short) SHORT.getVolatile(window, check(offset, 2));
    }

    @Override
    public void write16(long offset, short value) {
        SHORT.setVolatile(window, check(offset, 2), value);
    }

    @Override
    public int read32(long offset) {
        return (int) INT.getVolatile(window, check(offset, 4));
    }

    @Override
    public void write32(long offset, int value) {
        INT.setVolatile(window, check(offset, 4), value);
    }

    @Override
    public long read64(long offset) {
        return (long) LONG.getVolatile(window, check(offset, 8));
    }

    @Override
    public void write64(long offset, long value) {
        LONG.setVolatile(window, check(offset, 8), value);
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        arena.close();
    }
}
