package dev.kosh.driver;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

import dev.kosh.driver.api.BlockDevice;
import dev.kosh.driver.api.BlockError;
import dev.kosh.hal.linux.IoUringBlockDevice;

/**
 * The {@link BlockDevice} a block driver is granted: the HAL's io_uring block device, its return
 * codes turned into {@link BlockError}s that name the offending offset, length and limit. The
 * data path allocates nothing on success ({@code Optional.empty()} is a constant).
 */
final class RingBlockDevice implements BlockDevice {
    private final IoUringBlockDevice ring;

    RingBlockDevice(IoUringBlockDevice ring) {
        this.ring = ring;
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
    public Optional<BlockError> queueRead(long offset, MemorySegment into, long tag) {
        return refusal(ring.queueRead(offset, into, tag), "read", offset, into.byteSize());
    }

    @Override
    public Optional<BlockError> queueWrite(long offset, MemorySegment from, long tag) {
        return refusal(ring.queueWrite(offset, from, tag), "write", offset, from.byteSize());
    }

    @Override
    public Optional<BlockError> queueFlush(long tag) {
        return refusal(ring.queueFlush(tag), "flush", 0, 0);
    }

    @Override
    public Awaited await(int minComplete, Completion handler) {
        int r = ring.await(minComplete, (tag, result, flags) -> handler.complete(tag, result));
        if (r >= 0) return new Awaited.Completed(r);
        if (r == IoUringBlockDevice.CLOSED) return new Awaited.Failed(new BlockError(BlockError.Kind.CLOSED, "the block device is closed"));
        return new Awaited.Failed(new BlockError(BlockError.Kind.IO, "io_uring_enter: errno " + (-r)));
    }

    private Optional<BlockError> refusal(int code, String op, long offset, long length) {
        if (code == IoUringBlockDevice.OK) return Optional.empty();
        int bs = ring.blockSize();
        BlockError e = switch (code) {
            case IoUringBlockDevice.MISALIGNED -> new BlockError(BlockError.Kind.MISALIGNED, op + " of " + length + " bytes at "
                    + offset + ": offset, length and buffer address must be whole " + bs + "-byte blocks (and the length not 0)");
            case IoUringBlockDevice.OUT_OF_RANGE -> new BlockError(BlockError.Kind.OUT_OF_RANGE, op + " of " + length + " bytes at "
                    + offset + " ends past the device's " + ring.sizeBytes() + " bytes");
            case IoUringBlockDevice.HEAP_BUFFER -> new BlockError(BlockError.Kind.NOT_NATIVE, op + ": the buffer is on the Java heap; "
                    + "use BlockDevice.allocate");
            case IoUringBlockDevice.QUEUE_FULL -> new BlockError(BlockError.Kind.QUEUE_FULL, op + ": " + ring.queueDepth()
                    + " operations are outstanding (the queue depth); await some first");
            case IoUringBlockDevice.CLOSED -> new BlockError(BlockError.Kind.CLOSED, op + ": the block device is closed");
            default -> new BlockError(BlockError.Kind.IO, op + ": code " + code);
        };
        return Optional.of(e);
    }

    @Override
    public void close() {
        ring.close();
    }
}
