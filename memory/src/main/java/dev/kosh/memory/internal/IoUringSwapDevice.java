package dev.kosh.memory.internal;

import dev.kosh.hal.HalResult;
import dev.kosh.hal.linux.IoUring;
import dev.kosh.hal.linux.NativeFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A swap file read and written with io_uring (the HAL's {@link IoUring} over a raw descriptor from
 * {@link NativeFile}): the kernel copies between the page cache and the arena frame directly, with
 * no ByteBuffer view in between. One operation in flight, submitted and waited for in one
 * {@code io_uring_enter}; a short transfer or a negative result is an {@link IOException} (the
 * fault becomes SWAP_IO_ERROR).
 *
 * <p>Not thread-safe: the VM lock serialises every call.
 */
final class IoUringSwapDevice implements SwapDevice {

    private static final int EINTR = 4;
    private static final int RING_ENTRIES = 32;

    private final NativeFile file;
    private final IoUring ring;
    private int lastResult;

    private IoUringSwapDevice(NativeFile file, IoUring ring) {
        this.file = file;
        this.ring = ring;
    }

    /** Creates (or truncates) the file and a ring; throws with the HAL's reason when either fails. */
    static IoUringSwapDevice open(Path path) throws IOException {
        NativeFile file = switch (NativeFile.open(path, NativeFile.Mode.CREATE_TRUNCATE)) {
            case HalResult.Ok<NativeFile>(NativeFile f) -> f;
            case HalResult.Err<NativeFile>(var e) -> throw new IOException("swap file " + path + ": " + e.message());
        };
        IoUring ring = switch (IoUring.setup(RING_ENTRIES)) {
            case HalResult.Ok<IoUring>(IoUring r) -> r;
            case HalResult.Err<IoUring>(var e) -> {
                file.close();
                Files.deleteIfExists(path);
                throw new IOException("io_uring: " + e.message());
            }
        };
        return new IoUringSwapDevice(file, ring);
    }

    @Override
    public void write(int slot, MemorySegment page) throws IOException {
        transfer(true, slot, page);
    }

    @Override
    public void read(int slot, MemorySegment page) throws IOException {
        transfer(false, slot, page);
    }

    private void transfer(boolean write, int slot, MemorySegment page) throws IOException {
        long offset = (long) slot * SLOT_BYTES;
        int prepared = write ? ring.prepareWrite(file.fd(), page, offset, slot) : ring.prepareRead(file.fd(), page, offset, slot);
        if (prepared != IoUring.OK) {
            throw new IOException("io_uring could not queue the " + (write ? "write" : "read") + " of slot " + slot + " (" + prepared + ")");
        }
        int entered;
        do {
            entered = ring.submitAndWait(1);
        } while (entered == -EINTR);
        if (entered < 0) {
            throw new IOException("io_uring_enter failed with errno " + -entered + " on slot " + slot);
        }
        lastResult = Integer.MIN_VALUE;
        if (ring.reap((userData, result, flags) -> lastResult = result) != 1) {
            throw new IOException("io_uring: no completion for slot " + slot);
        }
        if (lastResult != SLOT_BYTES) {
            throw new IOException("io_uring " + (write ? "write" : "read") + " of slot " + slot + " moved "
                    + (lastResult < 0 ? "nothing (errno " + -lastResult + ")" : lastResult + " of " + SLOT_BYTES + " bytes"));
        }
    }

    /** Queues up to a ring's worth of writes, submits them in one {@code io_uring_enter}, waits for all. */
    @Override
    public void writeBatch(int[] slots, MemorySegment[] pages, int count) throws IOException {
        for (int from = 0; from < count; ) {
            int n = 0;
            while (from + n < count && n < ring.sqEntries()) {
                int i = from + n;
                if (ring.prepareWrite(file.fd(), pages[i], (long) slots[i] * SLOT_BYTES, i) != IoUring.OK) {
                    break;
                }
                n++;
            }
            if (n == 0) {
                throw new IOException("io_uring could not queue a write of slot " + slots[from]);
            }
            int done = 0;
            String failure = null;
            while (done < n) {
                int entered;
                do {
                    entered = ring.submitAndWait(n - done);
                } while (entered == -EINTR);
                if (entered < 0) {
                    throw new IOException("io_uring_enter failed with errno " + -entered);
                }
                int[] bad = {Integer.MIN_VALUE, -1};
                done += ring.reap((userData, result, flags) -> {
                    if (result != SLOT_BYTES && bad[1] < 0) {
                        bad[0] = result;
                        bad[1] = (int) userData;
                    }
                });
                if (bad[1] >= 0 && failure == null) {
                    failure = "io_uring write of slot " + slots[bad[1]] + " moved " + (bad[0] < 0 ? "nothing (errno " + -bad[0] + ")" : bad[0] + " bytes");
                }
            }
            if (failure != null) {
                throw new IOException(failure);
            }
            from += n;
        }
    }

    @Override
    public String describe() {
        return "io_uring on " + file.path();
    }

    @Override
    public void close() throws IOException {
        ring.close();
        file.close();
        Files.deleteIfExists(file.path());
    }
}
