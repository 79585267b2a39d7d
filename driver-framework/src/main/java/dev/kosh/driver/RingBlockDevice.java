package dev.kosh.driver;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.kosh.driver.api.BlockDevice;
import dev.kosh.driver.api.BlockError;
import dev.kosh.hal.linux.IoUringBlockDevice;

/**
 * The {@link BlockDevice} a block driver is granted: the HAL's io_uring block device behind the
 * driver API's buffers. Drivers hand over {@link ByteBuffer}s (they may not name native memory);
 * this class takes the native address of each direct buffer's position..limit, keeps the buffer
 * reachable in a slot while its operation is in flight (the kernel writes into it), and turns the
 * HAL's return codes into {@link BlockError}s that name the offending offset, length and limit.
 * The ring's user data is the slot; the driver's tag is handed back from the slot.
 */
final class RingBlockDevice implements BlockDevice {
    /**
     * Buffers of devices closed while the ring could not reap their operations (closed from a
     * thread that is not the ring's owner, e.g. a hung instance's device closed for its successor):
     * the kernel may still write into them, so they are never handed back to the allocator.
     */
    private static final List<ByteBuffer> QUARANTINE = new CopyOnWriteArrayList<>();

    private final IoUringBlockDevice ring;
    private final long[] tags;
    private final ByteBuffer[] inFlight;
    private final int[] free;
    private int freeCount;

    RingBlockDevice(IoUringBlockDevice ring) {
        this.ring = ring;
        int qd = ring.queueDepth();
        tags = new long[qd];
        inFlight = new ByteBuffer[qd];
        free = new int[qd];
        for (int i = qd - 1; i >= 0; i--) free[freeCount++] = i;
    }

    @Override
    public int blockSize() {
        return ring.blockSize();
    }

    @Override
    public long blockCount() {
        return ring.blockCount();
    }

    @Override
    public int queueDepth() {
        return ring.queueDepth();
    }

    @Override
    public int outstanding() {
        return ring.outstanding();
    }

    @Override
    public boolean direct() {
        return ring.direct();
    }

    @Override
    public String description() {
        return ring.describe();
    }

    @Override
    public ByteBuffer allocate(int blocks) {
        int bs = ring.blockSize();
        if (blocks < 1 || blocks > Integer.MAX_VALUE / bs - 1) throw new IllegalArgumentException("a buffer of " + blocks + " blocks");
        // A plain direct buffer, so it counts against the JVM's direct-memory limit like any other
        // a driver makes; one block more than asked leaves room to align the start.
        return ByteBuffer.allocateDirect((blocks + 1) * bs).alignedSlice(bs).slice(0, blocks * bs);
    }

    @Override
    public synchronized Optional<BlockError> queueRead(long offset, ByteBuffer into, long tag) {
        if (into.isReadOnly()) return Optional.of(new BlockError(BlockError.Kind.READ_ONLY, "read at " + offset + " into a read-only buffer"));
        return queue(true, offset, into, tag);
    }

    @Override
    public synchronized Optional<BlockError> queueWrite(long offset, ByteBuffer from, long tag) {
        return queue(false, offset, from, tag);
    }

    private Optional<BlockError> queue(boolean read, long offset, ByteBuffer buffer, long tag) {
        String op = read ? "read" : "write";
        if (!buffer.isDirect()) return refusal(IoUringBlockDevice.HEAP_BUFFER, op, offset, buffer.remaining());
        if (freeCount == 0) return refusal(IoUringBlockDevice.QUEUE_FULL, op, offset, buffer.remaining());
        int slot = free[--freeCount];
        MemorySegment segment = MemorySegment.ofBuffer(buffer); // position..limit, the buffer's own memory
        int code = read ? ring.queueRead(offset, segment, slot) : ring.queueWrite(offset, segment, slot);
        if (code != IoUringBlockDevice.OK) {
            free[freeCount++] = slot;
            return refusal(code, op, offset, buffer.remaining());
        }
        tags[slot] = tag;
        inFlight[slot] = buffer;
        return Optional.empty();
    }

    @Override
    public synchronized Optional<BlockError> queueFlush(long tag) {
        if (freeCount == 0) return refusal(IoUringBlockDevice.QUEUE_FULL, "flush", 0, 0);
        int slot = free[--freeCount];
        int code = ring.queueFlush(slot);
        if (code != IoUringBlockDevice.OK) {
            free[freeCount++] = slot;
            return refusal(code, "flush", 0, 0);
        }
        tags[slot] = tag;
        return Optional.empty();
    }

    @Override
    public synchronized Awaited await(int minComplete, Completion handler) {
        int r = ring.await(minComplete, (slot, result, flags) -> {
            int s = (int) slot;
            long tag = tags[s];
            inFlight[s] = null;
            free[freeCount++] = s;
            handler.complete(tag, result);
        });
        if (r >= 0) return new Awaited.Completed(r);
        if (r == IoUringBlockDevice.CLOSED) return new Awaited.Failed(new BlockError(BlockError.Kind.CLOSED, "the block device is closed"));
        return new Awaited.Failed(new BlockError(BlockError.Kind.IO, "io_uring_enter: errno " + (-r)));
    }

    private Optional<BlockError> refusal(int code, String op, long offset, long length) {
        int bs = ring.blockSize();
        BlockError e = switch (code) {
            case IoUringBlockDevice.MISALIGNED -> new BlockError(BlockError.Kind.MISALIGNED, op + " of " + length + " bytes at "
                    + offset + ": offset, length and buffer address must be whole " + bs + "-byte blocks (and the length not 0)");
            case IoUringBlockDevice.OUT_OF_RANGE -> new BlockError(BlockError.Kind.OUT_OF_RANGE, op + " of " + length + " bytes at "
                    + offset + " ends past the device's " + ring.sizeBytes() + " bytes");
            case IoUringBlockDevice.HEAP_BUFFER -> new BlockError(BlockError.Kind.NOT_DIRECT, op + ": the buffer is on the Java heap; "
                    + "use BlockDevice.allocate");
            case IoUringBlockDevice.QUEUE_FULL -> new BlockError(BlockError.Kind.QUEUE_FULL, op + ": " + ring.queueDepth()
                    + " operations are outstanding (the queue depth); await some first");
            case IoUringBlockDevice.CLOSED -> new BlockError(BlockError.Kind.CLOSED, op + ": the block device is closed");
            default -> new BlockError(BlockError.Kind.IO, op + ": code " + code);
        };
        return Optional.of(e);
    }

    /** How many buffers are kept because their device was closed with operations in flight. */
    static int quarantined() {
        return QUARANTINE.size();
    }

    @Override
    public synchronized void close() {
        ring.close(); // reaps what is in flight (when this is the owner thread) before the buffers are let go
        if (ring.abandoned() > 0) {
            for (ByteBuffer b : inFlight) if (b != null) QUARANTINE.add(b);
        }
        java.util.Arrays.fill(inFlight, null);
        freeCount = 0; // every slot is free again, so later calls hear CLOSED from the ring
        for (int i = free.length - 1; i >= 0; i--) free[freeCount++] = i;
    }
}
