package dev.kosh.hal.linux;

import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A block device backed by a file (or an existing block-device node of a given size), read
 * and written through its own io_uring ring. This is the HAL half of a block driver: the
 * driver framework wraps it as the {@code BlockDevice} a block driver is granted, so a driver
 * never opens files itself.
 *
 * <p>Asynchronous: {@code queue*} puts an operation in the submission queue (no system call);
 * {@link #await} submits everything queued with one {@code io_uring_enter} and waits, in the
 * same call, until at least the asked number of completions is ready
 * ({@code IORING_ENTER_GETEVENTS} with {@code min_complete}), then reaps every ready
 * completion from the mapped CQ ring. At queue depth 32 one enter typically returns many
 * completions, so there is no system call per completion.
 *
 * <p>Checked before anything reaches the kernel: the offset and length are multiples of the
 * block size, the buffer is native and block-aligned (what {@code O_DIRECT} needs; required in
 * buffered mode too, so the rules do not depend on the file system), the range lies inside the
 * device, and no more than the queue depth is outstanding. Failures are return codes (the
 * constants below, or a negated errno in a completion), never exceptions.
 *
 * <p>Threads: one owner. The thread that opens the device is the only one that may submit (the
 * ring is set up {@link IoUring#SINGLE_OWNER} where the kernel allows it; another thread's
 * {@link #await} with something to submit gets {@code -EEXIST}). Every method is synchronized all
 * the same, so another thread may close the device; what it could not reap is counted in
 * {@link #abandoned}. The buffer of an operation must stay alive until its completion is reaped,
 * or for good once abandoned.
 */
public final class IoUringBlockDevice implements AutoCloseable {

    /** The operation was queued. */
    public static final int OK = 0;
    /** The range does not lie inside the device. */
    public static final int OUT_OF_RANGE = -2_000;
    /** Offset, length or buffer address is not a multiple of the block size, or the length is 0. */
    public static final int MISALIGNED = -2_001;
    /** As many operations as the queue depth are outstanding: {@link #await} some first. */
    public static final int QUEUE_FULL = -2_002;
    /** The buffer is on the Java heap: the kernel cannot address it. */
    public static final int HEAP_BUFFER = IoUring.HEAP_BUFFER;
    /** The device was closed. */
    public static final int CLOSED = IoUring.CLOSED;

    /** Largest transfer of one operation (the SQE length is 32 bits; 1 GiB keeps it far from that). */
    public static final long MAX_TRANSFER = 1L << 30;

    /** Whether to bypass the page cache. */
    public enum DirectIo {
        /** O_DIRECT or fail. */
        REQUIRED,
        /** O_DIRECT when the file system allows it, buffered otherwise (the note says so). */
        PREFERRED,
        /** Buffered I/O through the page cache. */
        OFF
    }

    private final Path path;
    private final NativeFile file;
    private final IoUring ring;
    private final int blockSize;
    private final long sizeBytes;
    private final int queueDepth;
    private final boolean direct;
    private final String note;
    private int outstanding;   // queued or in flight, not yet reaped
    private int abandoned;     // outstanding when closed and not reapable (closed by another thread)
    private boolean closed;

    private IoUringBlockDevice(Path path, NativeFile file, IoUring ring, int blockSize, long sizeBytes, int queueDepth,
                               boolean direct, String note) {
        this.path = path;
        this.file = file;
        this.ring = ring;
        this.blockSize = blockSize;
        this.sizeBytes = sizeBytes;
        this.queueDepth = queueDepth;
        this.direct = direct;
        this.note = note;
    }

    /**
     * Opens {@code path} as a device of {@code sizeBytes} (0: the file's present size) in blocks of
     * {@code blockSize}, with a ring of {@code queueDepth} entries. A missing file is created and a
     * short one extended (sparse) to the size; a file is never shortened, so no data is lost.
     * Errors: {@link HalError.InvalidArgument} (block size not a power of two in 512..65536, size not
     * a positive multiple of it, queue depth not 1..4096), {@link HalError.NotFound} (no file and no
     * size), {@link HalError.IoFailure} (sizing the file), {@link HalError.SyscallFailed} (open, with
     * EINVAL when {@link DirectIo#REQUIRED} and the file system has no direct I/O), and whatever
     * {@link IoUring#setup} reports.
     */
    public static HalResult<IoUringBlockDevice> open(Path path, long sizeBytes, int blockSize, int queueDepth, DirectIo directIo) {
        if (blockSize < 512 || blockSize > 65_536 || Integer.bitCount(blockSize) != 1) {
            return HalResult.err(new HalError.InvalidArgument("blockSize", "must be a power of two in 512..65536, was " + blockSize));
        }
        if (queueDepth < 1 || queueDepth > 4096) {
            return HalResult.err(new HalError.InvalidArgument("queueDepth", "must be 1..4096, was " + queueDepth));
        }
        if (sizeBytes < 0 || sizeBytes % blockSize != 0) {
            return HalResult.err(new HalError.InvalidArgument("size", sizeBytes + " bytes is not a multiple of the " + blockSize + "-byte block"));
        }
        long size = sizeBytes;
        try {
            if (size == 0) {
                if (!Files.exists(path)) return HalResult.err(new HalError.NotFound(path + " (and no size was given to create it)"));
                size = Files.size(path);
                if (size == 0 || size % blockSize != 0) {
                    return HalResult.err(new HalError.InvalidArgument("size", path + " is " + size + " bytes, not a positive multiple of " + blockSize));
                }
            } else if (Files.isRegularFile(path) || !Files.exists(path)) {
                try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
                    if (raf.length() < size) raf.setLength(size);
                }
            }
        } catch (IOException e) {
            return HalResult.err(new HalError.IoFailure(path.toString(), String.valueOf(e.getMessage())));
        }
        boolean direct = directIo != DirectIo.OFF;
        String note = direct ? "O_DIRECT" : "buffered (direct I/O not asked for)";
        HalResult<NativeFile> opened = NativeFile.open(path, NativeFile.Mode.READ_WRITE, direct);
        if (direct && directIo == DirectIo.PREFERRED
                && opened instanceof HalResult.Err<NativeFile>(HalError.SyscallFailed f) && f.errno() == Libc.EINVAL) {
            direct = false;
            note = "buffered: the file system refused O_DIRECT (EINVAL)";
            opened = NativeFile.open(path, NativeFile.Mode.READ_WRITE, false);
        }
        NativeFile file;
        switch (opened) {
            case HalResult.Ok<NativeFile>(NativeFile f) -> file = f;
            case HalResult.Err<NativeFile>(HalError e) -> {
                return HalResult.err(e);
            }
        }
        // One owner thread drives the device, so completions can wait for it to ask (as fio sets
        // the ring up); a kernel before 6.1 refuses the flags with EINVAL and gets a plain ring.
        HalResult<IoUring> setup = IoUring.setup(queueDepth, IoUring.SINGLE_OWNER);
        if (setup instanceof HalResult.Err<IoUring>(HalError.SyscallFailed f) && f.errno() == Libc.EINVAL) {
            setup = IoUring.setup(queueDepth);
        }
        switch (setup) {
            case HalResult.Ok<IoUring>(IoUring ring) -> {
                return HalResult.ok(new IoUringBlockDevice(path, file, ring, blockSize, size, queueDepth, direct, note));
            }
            case HalResult.Err<IoUring>(HalError e) -> {
                file.close();
                return HalResult.err(e);
            }
        }
    }

    public Path path() {
        return path;
    }

    public int blockSize() {
        return blockSize;
    }

    public long sizeBytes() {
        return sizeBytes;
    }

    public long blockCount() {
        return sizeBytes / blockSize;
    }

    public int queueDepth() {
        return queueDepth;
    }

    /** Whether the page cache is bypassed. */
    public boolean direct() {
        return direct;
    }

    /** How the file is accessed, and why (e.g. why direct I/O fell back to buffered). */
    public String note() {
        return note;
    }

    /** Operations queued or in flight whose completion has not been reaped yet. */
    public synchronized int outstanding() {
        return outstanding;
    }

    /** Queues a read of {@code into.byteSize()} bytes at {@code offset}. Returns {@link #OK} or one of the codes above. */
    public synchronized int queueRead(long offset, MemorySegment into, long tag) {
        int check = check(offset, into);
        return check != OK ? check : counted(ring.prepareRead(file.fd(), into, offset, tag));
    }

    /** Queues a write of all of {@code from} at {@code offset}. Returns {@link #OK} or one of the codes above. */
    public synchronized int queueWrite(long offset, MemorySegment from, long tag) {
        int check = check(offset, from);
        return check != OK ? check : counted(ring.prepareWrite(file.fd(), from, offset, tag));
    }

    /** Queues an fsync: complete once every write completed before it is on stable storage. */
    public synchronized int queueFlush(long tag) {
        if (closed) return CLOSED;
        if (outstanding == queueDepth) return QUEUE_FULL;
        return counted(ring.prepareFsync(file.fd(), tag));
    }

    private int check(long offset, MemorySegment buffer) {
        if (closed) return CLOSED;
        if (!buffer.isNative()) return HEAP_BUFFER;
        long len = buffer.byteSize();
        if (offset < 0 || len == 0 || offset % blockSize != 0 || len % blockSize != 0 || buffer.address() % blockSize != 0) {
            return MISALIGNED;
        }
        if (len > MAX_TRANSFER || offset > sizeBytes - len) return OUT_OF_RANGE;
        if (outstanding == queueDepth) return QUEUE_FULL;
        return OK;
    }

    private int counted(int prepared) {
        // The ring has at least queueDepth slots and at most queueDepth entries are outstanding,
        // so SQ_FULL cannot happen here; any other code is passed on unchanged.
        if (prepared == IoUring.OK) outstanding++;
        return prepared;
    }

    /** Passes queued operations to the kernel without waiting. Returns how many it took, or a negated errno. */
    public synchronized int submit() {
        if (closed) return CLOSED;
        return ring.unsubmitted() == 0 ? 0 : ring.submit();
    }

    /**
     * Submits everything queued and hands completions to {@code handler} until at least
     * {@code minComplete} (capped at what is outstanding) have been handed over; every completion
     * that is ready by then is handed over too. {@code result} in the handler is the bytes moved,
     * or a negated errno. Returns how many completions were handed over, or {@link #CLOSED}, or a
     * negated errno of {@code io_uring_enter} (a signal's EINTR is retried here).
     */
    public synchronized int await(int minComplete, IoUring.CompletionHandler handler) {
        if (closed) return CLOSED;
        int want = Math.min(Math.max(minComplete, 0), outstanding);
        int done = 0;
        while (true) {
            int need = want - done;
            // Only enter the kernel when there is something to submit or not enough is ready yet;
            // a look without waiting (minComplete 0) on a ring whose completions wait for their
            // owner enters once all the same: nothing is posted until the owner asks for events.
            boolean look = want == 0 && done == 0 && outstanding > 0 && singleOwner();
            if (ring.unsubmitted() > 0 || ring.ready() < need || look) {
                int r = need > 0 ? ring.submitAndWait(need) : ring.submitAndPost();
                if (r < 0 && r != -Libc.EINTR && r != -Libc.EAGAIN && r != -Libc.EBUSY) return r;
            }
            int n = ring.reap(handler);
            outstanding -= n;
            done += n;
            if (done >= want && ring.unsubmitted() == 0) return done;
        }
    }

    /** Whether completions wait for the owner to ask (the ring was set up {@link IoUring#SINGLE_OWNER}). */
    public boolean singleOwner() {
        return (ring.setupFlags() & IoUring.SINGLE_OWNER) == IoUring.SINGLE_OWNER;
    }

    /** A one-line description for logs and {@code lsdrv}. */
    public String describe() {
        return path + " (" + sizeBytes + " B, " + blockCount() + " x " + blockSize + " B blocks, " + note + ", io_uring QD " + queueDepth
                + (singleOwner() ? ", deferred completions" : "") + ")";
    }

    /**
     * Operations that were in flight when the device was closed and could not be reaped (only the
     * owner thread may wait on a single-owner ring): the kernel may still be writing into their
     * buffers, so whoever owns those buffers must not free them.
     */
    public synchronized int abandoned() {
        return abandoned;
    }

    /**
     * Waits for what is in flight (the kernel may still be writing into its buffers), then unmaps
     * the ring and closes the file; what could not be waited for is counted in {@link #abandoned}.
     * Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        if (outstanding > 0) await(outstanding, (tag, result, flags) -> { });
        abandoned = outstanding;
        outstanding = 0;
        closed = true;
        ring.close();
        file.close();
    }
}
