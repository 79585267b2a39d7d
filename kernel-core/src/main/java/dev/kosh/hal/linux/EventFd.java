package dev.kosh.hal.linux;

import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * An eventfd: the kernel object VFIO signals a device interrupt on, and a 64-bit counter
 * Kosh can signal itself (to simulate an interrupt, or wake a waiting driver thread).
 * {@link #signal} adds to the counter; {@link #await} blocks until it is non-zero, then
 * returns and resets it. Any thread may signal; one thread at a time may await.
 */
public final class EventFd implements AutoCloseable {

    private final int fd;
    private boolean closed;

    private EventFd(int fd) {
        this.fd = fd;
    }

    /** Errors: {@link HalError.SyscallFailed} with the errno of {@code eventfd(2)}. */
    public static HalResult<EventFd> create() {
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment capture = Libc.newCaptureState(tmp);
            int fd = Libc.eventfd(capture, 0, Libc.EFD_CLOEXEC);
            if (fd < 0) {
                int errno = Libc.errno(capture);
                return HalResult.err(new HalError.SyscallFailed("eventfd", errno, Libc.errnoName(errno)));
            }
            return HalResult.ok(new EventFd(fd));
        }
    }

    public int fd() {
        return fd;
    }

    /** Adds {@code n} (positive) to the counter. Returns 0, or the negated errno. */
    public int signal(long n) {
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment buf = tmp.allocate(ValueLayout.JAVA_LONG);
            buf.set(ValueLayout.JAVA_LONG, 0, n);
            MemorySegment capture = Libc.newCaptureState(tmp);
            long r = Libc.write(capture, fd, buf, 8);
            return r == 8 ? 0 : -Libc.errno(capture);
        }
    }

    /** Blocks until the counter is non-zero; returns its value (resetting it), or the negated errno. */
    public long await() {
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment buf = tmp.allocate(ValueLayout.JAVA_LONG);
            MemorySegment capture = Libc.newCaptureState(tmp);
            long r = Libc.read(capture, fd, buf, 8);
            return r == 8 ? buf.get(ValueLayout.JAVA_LONG, 0) : -Libc.errno(capture);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try (Arena tmp = Arena.ofConfined()) {
            Libc.close(Libc.newCaptureState(tmp), fd);
        }
    }
}
