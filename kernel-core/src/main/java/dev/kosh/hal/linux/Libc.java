package dev.kosh.hal.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Downcalls into libc. Every call that can fail captures {@code errno} into a segment the
 * caller owns (one per thread or per owning object), so the data path allocates nothing.
 * A {@code Throwable} from {@code invokeExact} can only mean a mismatched descriptor — a
 * bug in this class — and is rethrown as an {@link IllegalStateException}.
 */
final class Libc {

    static final int EPERM = 1, ENOENT = 2, EINTR = 4, EBADF = 9, EAGAIN = 11, ENOMEM = 12, EACCES = 13,
            EFAULT = 14, EBUSY = 16, EINVAL = 22, ENOTTY = 25, ENOSYS = 38, EOPNOTSUPP = 95;

    static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0100, O_TRUNC = 01000, O_CLOEXEC = 02000000;
    /** {@code O_DIRECT} differs by architecture: 040000 on x86-64, 0200000 on arm64 (asm-generic vs arm64 fcntl.h). */
    static final int O_DIRECT = "aarch64".equals(System.getProperty("os.arch")) ? 0200000 : 040000;
    static final int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, MAP_POPULATE = 0x8000;
    static final long SYS_IO_URING_SETUP = 425, SYS_IO_URING_ENTER = 426;
    static final int EFD_CLOEXEC = 02000000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPTION = Linker.Option.captureCallState("errno");

    private static final MethodHandle SYSCALL = downcall("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1), ERRNO_OPTION);
    private static final MethodHandle MMAP = downcall("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), ERRNO_OPTION);
    private static final MethodHandle MUNMAP = downcall("munmap",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), ERRNO_OPTION);
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO_OPTION);
    private static final MethodHandle OPEN = downcall("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2), ERRNO_OPTION);
    private static final MethodHandle EVENTFD = downcall("eventfd",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO_OPTION);
    private static final MethodHandle READ = downcall("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO_OPTION);
    private static final MethodHandle WRITE = downcall("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO_OPTION);

    private Libc() {}

    // Restricted: binding libc symbols is what this class is for; the launcher runs with
    // --enable-native-access and the descriptors below match the glibc prototypes.
    @SuppressWarnings("restricted")
    private static MethodHandle downcall(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new IllegalStateException("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    /** A segment to receive {@code errno}; allocate once per owner. */
    static MemorySegment newCaptureState(Arena arena) {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    static long syscall(MemorySegment capture, long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
        try {
            return (long) SYSCALL.invokeExact(capture, nr, a1, a2, a3, a4, a5, a6);
        } catch (Throwable t) {
            throw new IllegalStateException("syscall downcall descriptor mismatch", t);
        }
    }

    static MemorySegment mmap(MemorySegment capture, long length, int prot, int flags, int fd, long offset) {
        try {
            return (MemorySegment) MMAP.invokeExact(capture, MemorySegment.NULL, length, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw new IllegalStateException("mmap downcall descriptor mismatch", t);
        }
    }

    /** {@code MAP_FAILED} is {@code (void *) -1}. */
    static boolean mapFailed(MemorySegment m) {
        return m.address() == -1L;
    }

    static int munmap(MemorySegment capture, MemorySegment address, long length) {
        try {
            return (int) MUNMAP.invokeExact(capture, address, length);
        } catch (Throwable t) {
            throw new IllegalStateException("munmap downcall descriptor mismatch", t);
        }
    }

    static int close(MemorySegment capture, int fd) {
        try {
            return (int) CLOSE.invokeExact(capture, fd);
        } catch (Throwable t) {
            throw new IllegalStateException("close downcall descriptor mismatch", t);
        }
    }

    static int open(MemorySegment capture, MemorySegment path, int flags, int mode) {
        try {
            return (int) OPEN.invokeExact(capture, path, flags, mode);
        } catch (Throwable t) {
            throw new IllegalStateException("open downcall descriptor mismatch", t);
        }
    }

    static int eventfd(MemorySegment capture, int initval, int flags) {
        try {
            return (int) EVENTFD.invokeExact(capture, initval, flags);
        } catch (Throwable t) {
            throw new IllegalStateException("eventfd downcall descriptor mismatch", t);
        }
    }

    static long read(MemorySegment capture, int fd, MemorySegment buf, long count) {
        try {
            return (long) READ.invokeExact(capture, fd, buf, count);
        } catch (Throwable t) {
            throw new IllegalStateException("read downcall descriptor mismatch", t);
        }
    }

    static long write(MemorySegment capture, int fd, MemorySegment buf, long count) {
        try {
            return (long) WRITE.invokeExact(capture, fd, buf, count);
        } catch (Throwable t) {
            throw new IllegalStateException("write downcall descriptor mismatch", t);
        }
    }

    /** The symbolic name of the errno values the HAL reports, for messages. */
    static String errnoName(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case EINTR -> "EINTR";
            case EBADF -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case EFAULT -> "EFAULT";
            case EBUSY -> "EBUSY";
            case EINVAL -> "EINVAL";
            case ENOTTY -> "ENOTTY";
            case ENOSYS -> "ENOSYS";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            default -> "errno " + errno;
        };
    }
}
