package dev.kosh.hal.linux;

import static dev.kosh.hal.linux.IoUringDescriptor.*;

import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.Mechanism;
import dev.kosh.hal.spi.HostRoot;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * An io_uring instance: a submission queue and a completion queue shared with the kernel
 * through {@code mmap}, driven through {@code java.lang.foreign}.
 *
 * <p>Single owner: one thread prepares, submits and reaps (the block driver's agent). The
 * rings are single-producer/single-consumer between that thread and the kernel, and the
 * only synchronisation needed is the one each ring index documents below.
 *
 * <p>Data plane: {@code prepare*}, {@link #submit}, {@link #reap} allocate nothing and
 * return codes ({@link #OK}, {@link #SQ_FULL}, negated errno values), never exceptions.
 */
public final class IoUring implements AutoCloseable {

    /** A {@code prepare*} call queued its entry. */
    public static final int OK = 0;
    /** The submission queue is full: submit, then prepare again. */
    public static final int SQ_FULL = -1_000;
    /** The buffer is not native memory, so the kernel cannot address it. */
    public static final int HEAP_BUFFER = -1_001;
    /** The ring was closed. */
    public static final int CLOSED = -1_002;

    /** Receives completions from {@link #reap}; must not call back into the ring. */
    @FunctionalInterface
    public interface CompletionHandler {
        /** {@code result} is the operation's return value: bytes moved, 0, or a negated errno. */
        void complete(long userData, int result, int flags);
    }

    // Plain int access for the fields only this thread writes; acquire/release for the
    // indices the kernel writes or reads concurrently.
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final Arena arena = Arena.ofShared();
    private final MemorySegment capture = Libc.newCaptureState(arena);
    private final int ringFd;
    private final MemorySegment sqRing, cqRing, sqes;
    private final long sqRingSize, cqRingSize, sqesSize;
    private final boolean singleMmap;
    private final int sqEntries, cqEntries, sqMask, cqMask, features, setupFlags;
    private final long sqHeadOff, sqTailOff, sqArrayOff, cqHeadOff, cqTailOff, cqesOff;
    private int sqTail;       // local copy of the tail; published to the kernel by submit()
    private int toSubmit;     // prepared but not yet passed to io_uring_enter
    private boolean closed;

    private IoUring(int ringFd, MemorySegment params, MemorySegment sqRing, MemorySegment cqRing, MemorySegment sqes,
                    long sqRingSize, long cqRingSize, long sqesSize, boolean singleMmap) {
        this.ringFd = ringFd;
        this.sqRing = sqRing;
        this.cqRing = cqRing;
        this.sqes = sqes;
        this.sqRingSize = sqRingSize;
        this.cqRingSize = cqRingSize;
        this.sqesSize = sqesSize;
        this.singleMmap = singleMmap;
        this.sqEntries = params.get(ValueLayout.JAVA_INT, P_SQ_ENTRIES);
        this.cqEntries = params.get(ValueLayout.JAVA_INT, P_CQ_ENTRIES);
        this.features = params.get(ValueLayout.JAVA_INT, P_FEATURES);
        this.setupFlags = params.get(ValueLayout.JAVA_INT, P_FLAGS);
        this.sqHeadOff = Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT, SQ_HEAD));
        this.sqTailOff = Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT, SQ_TAIL));
        this.sqArrayOff = Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT, SQ_ARRAY));
        this.cqHeadOff = Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT, CQ_HEAD));
        this.cqTailOff = Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT, CQ_TAIL));
        this.cqesOff = Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT, CQ_CQES));
        this.sqMask = sqRing.get(ValueLayout.JAVA_INT, Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT, SQ_RING_MASK)));
        this.cqMask = cqRing.get(ValueLayout.JAVA_INT, Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT, CQ_RING_MASK)));
        // The tail starts where the kernel says; it is 0 on a fresh ring.
        this.sqTail = (int) INT.getAcquire(sqRing, sqTailOff);
    }

    /**
     * Completions run only when the owning thread enters the ring to wait for them: no interrupt
     * of the owner per completion ({@code IORING_SETUP_COOP_TASKRUN | SINGLE_ISSUER | DEFER_TASKRUN},
     * as fio sets them; Linux 6.1+). Only the thread that set the ring up may then submit
     * ({@code -EEXIST} for any other; whether another may wait for completions depends on the
     * kernel — 6.18 lets it), so it suits a ring with one owner thread for its whole life.
     */
    public static final int SINGLE_OWNER = SETUP_COOP_TASKRUN | SETUP_SINGLE_ISSUER | SETUP_DEFER_TASKRUN;

    /** Sets up a ring of {@code entries} submission slots on the live host. */
    public static HalResult<IoUring> setup(int entries) {
        return setup(entries, HostRoot.live());
    }

    /**
     * Sets up a ring with setup {@code flags} ({@link #SINGLE_OWNER} or 0) on the live host. A kernel
     * that does not know a flag refuses with {@link HalError.SyscallFailed} EINVAL.
     */
    public static HalResult<IoUring> setup(int entries, int flags) {
        return setup(entries, HostRoot.live(), flags);
    }

    /**
     * Sets up a ring of {@code entries} (1..32768, rounded up to a power of two by the
     * kernel). The {@code io_uring_disabled} sysctl under {@code root} is read first so
     * the error says why. Errors: {@link HalError.InvalidArgument};
     * {@link HalError.Unavailable} for {@link Mechanism#IO_URING} when the sysctl disables
     * it, or setup fails with EPERM or ENOSYS; {@link HalError.SyscallFailed} otherwise.
     */
    public static HalResult<IoUring> setup(int entries, HostRoot root) {
        return setup(entries, root, 0);
    }

    private static HalResult<IoUring> setup(int entries, HostRoot root, int flags) {
        if (entries < 1 || entries > 32_768) {
            return HalResult.err(new HalError.InvalidArgument("entries", "must be 1..32768, was " + entries));
        }
        Path sysctl = root.proc("sys/kernel/io_uring_disabled");
        try {
            String v = Files.readString(sysctl).strip();
            if (!v.equals("0")) {
                return HalResult.err(new HalError.Unavailable(Mechanism.IO_URING,
                        "/proc/sys/kernel/io_uring_disabled is " + v + " (1: only the io_uring_group may use it, 2: nobody)"));
            }
        } catch (NoSuchFileException e) {
            // Kernels before 6.6 have no such sysctl; setup itself will tell.
        } catch (IOException e) {
            return HalResult.err(new HalError.IoFailure(root.display(sysctl), String.valueOf(e.getMessage())));
        }
        Arena setupArena = Arena.ofConfined();
        try (setupArena) {
            MemorySegment capture = Libc.newCaptureState(setupArena);
            MemorySegment params = setupArena.allocate(PARAMS_SIZE, 8);
            params.set(ValueLayout.JAVA_INT, P_FLAGS, flags);
            long fd = Libc.syscall(capture, Libc.SYS_IO_URING_SETUP, entries, params.address(), 0, 0, 0, 0);
            if (fd < 0) {
                int errno = Libc.errno(capture);
                return switch (errno) {
                    case Libc.EPERM -> HalResult.err(new HalError.Unavailable(Mechanism.IO_URING,
                            "io_uring_setup refused with EPERM (sysctl, seccomp or a container policy)"));
                    case Libc.ENOSYS -> HalResult.err(new HalError.Unavailable(Mechanism.IO_URING,
                            "io_uring_setup is not implemented by this kernel (ENOSYS)"));
                    default -> HalResult.err(new HalError.SyscallFailed("io_uring_setup", errno, Libc.errnoName(errno)));
                };
            }
            return map((int) fd, params, capture);
        }
    }

    // Restricted: the kernel tells us the ring sizes, so giving the 0-length mmap results
    // their true size is safe; the launcher runs with --enable-native-access.
    @SuppressWarnings("restricted")
    private static HalResult<IoUring> map(int fd, MemorySegment params, MemorySegment capture) {
        int sqn = params.get(ValueLayout.JAVA_INT, P_SQ_ENTRIES);
        int cqn = params.get(ValueLayout.JAVA_INT, P_CQ_ENTRIES);
        boolean single = (params.get(ValueLayout.JAVA_INT, P_FEATURES) & FEAT_SINGLE_MMAP) != 0;
        long sqSize = Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT, SQ_ARRAY)) + 4L * sqn;
        long cqSize = Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT, CQ_CQES)) + CQE_SIZE * cqn;
        if (single) {
            sqSize = cqSize = Math.max(sqSize, cqSize);
        }
        long sqesSize = SQE_SIZE * sqn;
        int prot = Libc.PROT_READ | Libc.PROT_WRITE, flags = Libc.MAP_SHARED | Libc.MAP_POPULATE;
        MemorySegment sq = Libc.mmap(capture, sqSize, prot, flags, fd, OFF_SQ_RING);
        if (Libc.mapFailed(sq)) {
            return failMapping("SQ ring", fd, capture);
        }
        MemorySegment cq = sq;
        if (!single) {
            cq = Libc.mmap(capture, cqSize, prot, flags, fd, OFF_CQ_RING);
            if (Libc.mapFailed(cq)) {
                Libc.munmap(capture, sq, sqSize);
                return failMapping("CQ ring", fd, capture);
            }
        }
        MemorySegment sqes = Libc.mmap(capture, sqesSize, prot, flags, fd, OFF_SQES);
        if (Libc.mapFailed(sqes)) {
            Libc.munmap(capture, sq, sqSize);
            if (!single) Libc.munmap(capture, cq, cqSize);
            return failMapping("SQE array", fd, capture);
        }
        return HalResult.ok(new IoUring(fd, params, sq.reinterpret(sqSize), cq.reinterpret(cqSize),
                sqes.reinterpret(sqesSize), sqSize, cqSize, sqesSize, single));
    }

    private static HalResult<IoUring> failMapping(String what, int fd, MemorySegment capture) {
        int errno = Libc.errno(capture);
        Libc.close(capture, fd);
        return HalResult.err(new HalError.SyscallFailed("mmap io_uring " + what, errno, Libc.errnoName(errno)));
    }

    public int sqEntries() {
        return sqEntries;
    }

    public int cqEntries() {
        return cqEntries;
    }

    /** The {@code IORING_SETUP_*} flags the ring was set up with. */
    public int setupFlags() {
        return setupFlags;
    }

    /** The {@code IORING_FEAT_*} bits the kernel reported. */
    public int features() {
        return features;
    }

    public int prepareNop(long userData) {
        return prepare(OP_NOP, -1, 0, 0, 0, userData);
    }

    /** Reads {@code buffer.byteSize()} bytes (at most 2^31-1) at {@code fileOffset} of {@code fd} into a native buffer. */
    public int prepareRead(int fd, MemorySegment buffer, long fileOffset, long userData) {
        if (!buffer.isNative()) return HEAP_BUFFER;
        return prepare(OP_READ, fd, fileOffset, buffer.address(), (int) Math.min(buffer.byteSize(), Integer.MAX_VALUE), userData);
    }

    /** Writes all of a native {@code buffer} (at most 2^31-1 bytes) at {@code fileOffset} of {@code fd}. */
    public int prepareWrite(int fd, MemorySegment buffer, long fileOffset, long userData) {
        if (!buffer.isNative()) return HEAP_BUFFER;
        return prepare(OP_WRITE, fd, fileOffset, buffer.address(), (int) Math.min(buffer.byteSize(), Integer.MAX_VALUE), userData);
    }

    /** Flushes {@code fd}'s data and metadata to stable storage. */
    public int prepareFsync(int fd, long userData) {
        return prepare(OP_FSYNC, fd, 0, 0, 0, userData);
    }

    private int prepare(byte opcode, int fd, long off, long addr, int len, long userData) {
        if (closed) return CLOSED;
        // Acquire: the kernel advances the head after it has consumed the entry, so once
        // we see the new head the slot may be reused.
        int head = (int) INT.getAcquire(sqRing, sqHeadOff);
        if (sqTail - head == sqEntries) {
            return SQ_FULL;
        }
        int index = sqTail & sqMask;
        MemorySegment sqe = sqes.asSlice(index * SQE_SIZE, SQE_SIZE);
        sqe.fill((byte) 0);
        sqe.set(ValueLayout.JAVA_BYTE, SQE_OPCODE, opcode);
        sqe.set(ValueLayout.JAVA_INT, SQE_FD, fd);
        sqe.set(ValueLayout.JAVA_LONG, SQE_OFF, off);
        sqe.set(ValueLayout.JAVA_LONG, SQE_ADDR, addr);
        sqe.set(ValueLayout.JAVA_INT, SQE_LEN, len);
        sqe.set(ValueLayout.JAVA_LONG, SQE_USER_DATA, userData);
        sqRing.set(ValueLayout.JAVA_INT, sqArrayOff + 4L * index, index);
        sqTail++;
        toSubmit++;
        return OK;
    }

    /** Passes prepared entries to the kernel. Returns how many it took, or a negated errno. */
    public int submit() {
        return enter(0);
    }

    /**
     * Passes prepared entries to the kernel and waits until at least {@code minComplete}
     * completions are ready. Returns how many entries were taken, or a negated errno
     * ({@code -EINTR} when a signal interrupted the wait: call again).
     */
    public int submitAndWait(int minComplete) {
        return enter(minComplete, minComplete > 0);
    }

    /**
     * Passes prepared entries to the kernel and has it post the completions that are ready, without
     * waiting: on a ring whose completions wait for the owner ({@link #SINGLE_OWNER}) nothing is
     * posted until the owner enters the ring asking for events. Returns as {@link #submit}.
     */
    public int submitAndPost() {
        return enter(0, true);
    }

    private int enter(int minComplete) {
        return enter(minComplete, minComplete > 0);
    }

    private int enter(int minComplete, boolean getEvents) {
        if (closed) return CLOSED;
        // Release: the SQE and array writes above become visible to the kernel before it
        // can observe the new tail.
        INT.setRelease(sqRing, sqTailOff, sqTail);
        long r = Libc.syscall(capture, Libc.SYS_IO_URING_ENTER, ringFd, toSubmit, minComplete,
                getEvents ? ENTER_GETEVENTS : 0, 0, 0);
        if (r < 0) {
            return -Libc.errno(capture);
        }
        toSubmit -= (int) r;
        return (int) r;
    }

    /** How many completions are ready to reap, read from the CQ ring without a system call. */
    public int ready() {
        if (closed) return 0;
        return (int) INT.getAcquire(cqRing, cqTailOff) - cqRing.get(ValueLayout.JAVA_INT, cqHeadOff);
    }

    /** Entries prepared but not yet taken by the kernel. */
    public int unsubmitted() {
        return toSubmit;
    }

    /** Hands every ready completion to {@code handler}; returns how many. */
    public int reap(CompletionHandler handler) {
        if (closed) return CLOSED;
        int head = cqRing.get(ValueLayout.JAVA_INT, cqHeadOff);   // only we write the CQ head
        // Acquire: the CQE contents are visible once we see the tail that covers them.
        int tail = (int) INT.getAcquire(cqRing, cqTailOff);
        int n = 0;
        while (head != tail) {
            long at = cqesOff + CQE_SIZE * (head & cqMask);
            handler.complete(cqRing.get(ValueLayout.JAVA_LONG, at + CQE_USER_DATA),
                    cqRing.get(ValueLayout.JAVA_INT, at + CQE_RES), cqRing.get(ValueLayout.JAVA_INT, at + CQE_FLAGS));
            head++;
            n++;
        }
        // Release: our reads of the CQEs happen before the kernel may overwrite the slots.
        INT.setRelease(cqRing, cqHeadOff, head);
        return n;
    }

    /** Unmaps the rings and closes the ring descriptor. Completions not reaped are dropped. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        Libc.munmap(capture, sqes, sqesSize);
        if (!singleMmap) Libc.munmap(capture, cqRing, cqRingSize);
        Libc.munmap(capture, sqRing, sqRingSize);
        Libc.close(capture, ringFd);
        arena.close();
    }
}
