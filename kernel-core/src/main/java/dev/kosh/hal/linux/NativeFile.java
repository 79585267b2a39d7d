package dev.kosh.hal.linux;

import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * A raw file descriptor, for the system calls that need one (io_uring reads and writes).
 * The JDK keeps its descriptors private, so the HAL opens files itself through libc.
 * Close it exactly once; any thread may use the descriptor.
 */
public final class NativeFile implements AutoCloseable {

    /** How to open the file. */
    public enum Mode {
        READ_ONLY(Libc.O_RDONLY),
        READ_WRITE(Libc.O_RDWR),
        /** Read-write, created if absent, truncated if present. */
        CREATE_TRUNCATE(Libc.O_RDWR | Libc.O_CREAT | Libc.O_TRUNC);

        final int flags;

        Mode(int flags) {
            this.flags = flags;
        }
    }

    private final int fd;
    private final Path path;
    private boolean closed;

    private NativeFile(int fd, Path path) {
        this.fd = fd;
        this.path = path;
    }

    /** Errors: {@link HalError.SyscallFailed} with the errno of {@code open(2)}. */
    public static HalResult<NativeFile> open(Path path, Mode mode) {
        return open(path, mode, false);
    }

    /**
     * Opens with {@code O_DIRECT} when {@code direct} is set: reads and writes bypass the page
     * cache, so buffers, offsets and lengths must be aligned to the device's logical block.
     * A file system without direct I/O refuses the open with EINVAL.
     * Errors: {@link HalError.SyscallFailed} with the errno of {@code open(2)}.
     */
    public static HalResult<NativeFile> open(Path path, Mode mode, boolean direct) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.newCaptureState(arena);
            int flags = mode.flags | Libc.O_CLOEXEC | (direct ? Libc.O_DIRECT : 0);
            int fd = Libc.open(capture, arena.allocateFrom(path.toString()), flags, 0644);
            if (fd < 0) {
                int errno = Libc.errno(capture);
                return HalResult.err(new HalError.SyscallFailed("open " + path, errno, Libc.errnoName(errno)));
            }
            return HalResult.ok(new NativeFile(fd, path));
        }
    }

    public int fd() {
        return fd;
    }

    public Path path() {
        return path;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try (Arena arena = Arena.ofConfined()) {
            // close(2) releases the descriptor even when it reports an error, so there is
            // nothing to retry; the error can only come from a deferred write-back on NFS.
            Libc.close(Libc.newCaptureState(arena), fd);
        }
    }
}
