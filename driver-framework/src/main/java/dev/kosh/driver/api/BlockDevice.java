package dev.kosh.driver.api;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * A block device a driver was granted ({@link BlockAccess}), driven asynchronously: queue reads,
 * writes and flushes (each with a tag of the driver's choosing), then {@link #await} submits them
 * all at once and hands back completions. Up to {@link #queueDepth()} operations may be
 * outstanding. The synchronous {@link #read}, {@link #write} and {@link #flush} are the same with
 * one operation in flight.
 *
 * <p>Every transfer moves whole blocks between the device and the bytes of a buffer from its
 * position to its limit (the position is not moved): the offset and that length are multiples of
 * {@link #blockSize()}, and the buffer is a direct buffer whose position is block-aligned in memory
 * (what direct I/O needs): {@link #allocate} gives such buffers, and {@code slice}s of them at
 * whole blocks stay aligned. Buffers, not {@code java.lang.foreign}, because driver code may not
 * name native memory (docs/isolation.md). The device keeps a buffer reachable while its operation
 * is in flight; the driver must not touch its bytes until the completion is handed back. A
 * refused operation is a {@link BlockError}, never an exception.
 *
 * <p>One thread drives a device at a time (a driver is served one request at a time).
 */
public interface BlockDevice extends AutoCloseable {

    /** Receives completions from {@link #await}; must not call back into the device. */
    @FunctionalInterface
    interface Completion {
        /** {@code result} is the bytes moved (0 for a flush), or a negated errno (see {@link BlockDevice#error}). */
        void complete(long tag, int result);
    }

    /** The outcome of {@link #await}: how many completions were handed over, or why none could be. */
    sealed interface Awaited {
        record Completed(int count) implements Awaited {}

        record Failed(BlockError error) implements Awaited {}
    }

    int blockSize();

    long blockCount();

    default long sizeBytes() {
        return blockCount() * blockSize();
    }

    /** How many operations may be outstanding at once. */
    int queueDepth();

    /** Operations queued or in flight whose completion has not been handed back. */
    int outstanding();

    /** Whether transfers bypass the host's page cache. */
    boolean direct();

    /** What backs the device and how it is accessed, for logs and {@code lsdrv}. */
    String description();

    /**
     * A direct buffer of {@code blocks} blocks, aligned for the device, zero-filled; freed by the
     * garbage collector once unreachable, and counted against the JVM's direct-memory limit.
     *
     * @throws IllegalArgumentException if {@code blocks} is below 1 or the buffer would pass 2 GiB
     * @throws OutOfMemoryError if the direct-memory limit is reached
     */
    ByteBuffer allocate(int blocks);

    /** Queues a read of {@code into.remaining()} bytes at byte {@code offset} into {@code into}'s position..limit. */
    Optional<BlockError> queueRead(long offset, ByteBuffer into, long tag);

    /** Queues a write of {@code from}'s bytes from its position to its limit at byte {@code offset}. */
    Optional<BlockError> queueWrite(long offset, ByteBuffer from, long tag);

    /** Queues a flush: it completes once every write completed before it is on stable storage. */
    Optional<BlockError> queueFlush(long tag);

    /**
     * Submits everything queued and waits until at least {@code minComplete} completions (capped
     * at what is outstanding) have been handed to {@code handler}; completions ready by then are
     * handed over too.
     */
    Awaited await(int minComplete, Completion handler);

    /** The error a negative completion {@code result} stands for, naming what the operation was. */
    static BlockError error(int result, String operation) {
        return new BlockError(BlockError.Kind.IO, operation + ": errno " + (-result));
    }

    /** Reads {@code into.remaining()} bytes at {@code offset}, waiting for them. Refused ({@code BUSY}) while anything is outstanding. */
    default Optional<BlockError> read(long offset, ByteBuffer into) {
        return busy().or(() -> once(queueRead(offset, into, 0), "read at " + offset, into.remaining()));
    }

    /** Writes {@code from}'s remaining bytes at {@code offset}, waiting for the device to take them (not for stable storage: {@link #flush}). */
    default Optional<BlockError> write(long offset, ByteBuffer from) {
        return busy().or(() -> once(queueWrite(offset, from, 0), "write at " + offset, from.remaining()));
    }

    /** Waits until every completed write is on stable storage. */
    default Optional<BlockError> flush() {
        return busy().or(() -> once(queueFlush(0), "flush", 0));
    }

    private Optional<BlockError> busy() {
        int n = outstanding();
        return n == 0 ? Optional.empty()
                : Optional.of(new BlockError(BlockError.Kind.BUSY, n + " asynchronous operation(s) outstanding: await them first"));
    }

    private Optional<BlockError> once(Optional<BlockError> queued, String what, long expected) {
        if (queued.isPresent()) return queued;
        int[] result = new int[1];
        return switch (await(1, (tag, r) -> result[0] = r)) {
            case Awaited.Failed f -> Optional.of(f.error());
            case Awaited.Completed c when result[0] < 0 -> Optional.of(error(result[0], what));
            case Awaited.Completed c when result[0] != expected -> Optional.of(new BlockError(BlockError.Kind.SHORT_TRANSFER,
                    what + ": " + result[0] + " of " + expected + " bytes"));
            case Awaited.Completed c -> Optional.empty();
        };
    }

    /** Waits for what is in flight, then releases the device. Idempotent. */
    @Override
    void close();
}
