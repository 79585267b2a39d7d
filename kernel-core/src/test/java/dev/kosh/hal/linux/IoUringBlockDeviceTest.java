package dev.kosh.hal.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.linux.IoUringBlockDevice.DirectIo;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class IoUringBlockDeviceTest {
    private static final int BS = 4096;

    @TempDir
    Path dir;

    private IoUringBlockDevice open(Path file, long size, int qd, DirectIo direct) {
        return switch (IoUringBlockDevice.open(file, size, BS, qd, direct)) {
            case HalResult.Ok<IoUringBlockDevice>(IoUringBlockDevice d) -> d;
            case HalResult.Err<IoUringBlockDevice>(HalError.Unavailable u) -> {
                Assumptions.assumeTrue(false, "io_uring unavailable: " + u.reason());
                throw new AssertionError("unreachable");
            }
            case HalResult.Err<IoUringBlockDevice>(HalError e) -> throw new AssertionError(e.message());
        };
    }

    private static HalError error(HalResult<IoUringBlockDevice> r) {
        return assertInstanceOf(HalResult.Err.class, r).error();
    }

    @Test
    void randomBlocksWrittenAtQueueDepth32ReadBackIdenticallyAndReachTheFile() throws Exception {
        Path file = dir.resolve("disk.img");
        int blocks = 256, qd = 32;
        Random rnd = new Random(11);
        Map<Integer, byte[]> written = new HashMap<>();
        try (IoUringBlockDevice dev = open(file, (long) blocks * BS, qd, DirectIo.PREFERRED); Arena arena = Arena.ofConfined()) {
            assertEquals(blocks, dev.blockCount());
            assertTrue(dev.direct() || dev.note().contains("refused O_DIRECT"), "direct unless the file system refused: " + dev.note());
            assertEquals(blocks * (long) BS, Files.size(file), "the file was created at the device's size");
            MemorySegment buffers = arena.allocate((long) qd * BS, BS);
            // Rounds of up to 32 writes of distinct random blocks, all in flight together.
            for (int round = 0; round < 6; round++) {
                int[] lbas = rnd.ints(0, blocks).distinct().limit(qd).toArray();
                for (int i = 0; i < lbas.length; i++) {
                    byte[] data = new byte[BS];
                    rnd.nextBytes(data);
                    MemorySegment b = buffers.asSlice((long) i * BS, BS);
                    MemorySegment.copy(data, 0, b, ValueLayout.JAVA_BYTE, 0, BS);
                    assertEquals(IoUringBlockDevice.OK, dev.queueWrite((long) lbas[i] * BS, b, lbas[i]));
                    written.put(lbas[i], data);
                }
                assertEquals(IoUringBlockDevice.QUEUE_FULL, dev.queueFlush(-1), "at the queue depth nothing more is queued");
                int[] handed = {0};
                assertEquals(lbas.length, dev.await(lbas.length, (tag, res, flags) -> {
                    assertEquals(BS, res, "write of block " + tag);
                    handed[0]++;
                }));
                assertEquals(lbas.length, handed[0]);
                assertEquals(0, dev.outstanding());
            }
            assertEquals(IoUringBlockDevice.OK, dev.queueFlush(7));
            assertEquals(1, dev.await(1, (tag, res, flags) -> assertEquals(0, res, "fsync")));

            // Read every written block back, 32 at a time, completions in any order.
            Integer[] keys = written.keySet().toArray(Integer[]::new);
            for (int from = 0; from < keys.length; from += qd) {
                int n = Math.min(qd, keys.length - from);
                for (int i = 0; i < n; i++) {
                    assertEquals(IoUringBlockDevice.OK, dev.queueRead((long) keys[from + i] * BS, buffers.asSlice((long) i * BS, BS), i));
                }
                dev.await(n, (tag, res, flags) -> assertEquals(BS, res));
                for (int i = 0; i < n; i++) {
                    assertArrayEquals(written.get(keys[from + i]), buffers.asSlice((long) i * BS, BS).toArray(ValueLayout.JAVA_BYTE),
                            "block " + keys[from + i]);
                }
            }
        }
        byte[] onDisk = Files.readAllBytes(file);
        for (var e : written.entrySet()) {
            byte[] block = java.util.Arrays.copyOfRange(onDisk, e.getKey() * BS, (e.getKey() + 1) * BS);
            assertArrayEquals(e.getValue(), block, "block " + e.getKey() + " in the file");
        }
    }

    @Test
    void misalignedOutOfRangeAndHeapRequestsAreRefusedBeforeTheKernel() {
        try (IoUringBlockDevice dev = open(dir.resolve("d.img"), 16L * BS, 4, DirectIo.PREFERRED); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(2L * BS, BS);
            assertEquals(IoUringBlockDevice.MISALIGNED, dev.queueRead(100, buf.asSlice(0, BS), 1), "offset inside a block");
            assertEquals(IoUringBlockDevice.MISALIGNED, dev.queueRead(0, buf.asSlice(0, 100), 1), "length not whole blocks");
            assertEquals(IoUringBlockDevice.MISALIGNED, dev.queueRead(0, buf.asSlice(8, BS), 1), "buffer not block-aligned");
            assertEquals(IoUringBlockDevice.MISALIGNED, dev.queueRead(-BS, buf.asSlice(0, BS), 1), "negative offset");
            assertEquals(IoUringBlockDevice.MISALIGNED, dev.queueRead(0, buf.asSlice(0, 0), 1), "empty");
            assertEquals(IoUringBlockDevice.OUT_OF_RANGE, dev.queueRead(16L * BS, buf.asSlice(0, BS), 1), "one past the end");
            assertEquals(IoUringBlockDevice.OUT_OF_RANGE, dev.queueWrite(15L * BS, buf, 1), "straddles the end");
            assertEquals(IoUringBlockDevice.OUT_OF_RANGE, dev.queueWrite(Long.MAX_VALUE / BS * BS, buf, 1), "far past the end, no overflow");
            assertEquals(IoUringBlockDevice.HEAP_BUFFER, dev.queueWrite(0, MemorySegment.ofArray(new byte[BS]), 1));
            assertEquals(0, dev.outstanding(), "nothing refused was queued");
            assertEquals(0, dev.await(5, (t, r, f) -> { throw new AssertionError("no completion expected"); }),
                    "awaiting more than is outstanding returns at once");
            assertEquals(IoUringBlockDevice.OK, dev.queueRead(15L * BS, buf.asSlice(0, BS), 1), "the last block is inside");
            assertEquals(1, dev.submit(), "one taken by the kernel");
            assertEquals(1, dev.await(1, (t, r, f) -> assertEquals(BS, r)));
        }
    }

    /**
     * {@code await(0)} looks without waiting. On a ring whose completions wait for their owner
     * (deferred task work) nothing is posted until the owner enters the ring asking for events, so
     * the look must enter: a driver that only ever looks (its channel busy) would otherwise never
     * see a completion.
     */
    @Test
    void awaitingNoneStillHandsOverWhatHasCompleted() throws Exception {
        try (IoUringBlockDevice dev = open(dir.resolve("l.img"), 8L * BS, 4, DirectIo.PREFERRED); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(BS, BS);
            buf.fill((byte) 1);
            assertEquals(IoUringBlockDevice.OK, dev.queueWrite(0, buf, 6)); // a block with data: its read goes to the disk
            assertEquals(IoUringBlockDevice.OK, dev.queueFlush(6));
            assertEquals(2, dev.await(2, (t, r, f) -> { }));
            assertEquals(IoUringBlockDevice.OK, dev.queueRead(0, buf, 7));
            long[] seen = {-1};
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
            while (seen[0] < 0 && System.nanoTime() < deadline) {
                assertTrue(dev.await(0, (t, r, f) -> seen[0] = t) >= 0, "a look does not fail");
                Thread.sleep(1);
            }
            assertEquals(7, seen[0], "only looking, the completion arrived (" + (dev.singleOwner() ? "deferred completions" : "plain ring") + ")");
            assertEquals(0, dev.outstanding());
        }
    }

    @Test
    void closedDeviceRefusesWorkAndClosingWaitsForInFlight() {
        IoUringBlockDevice dev = open(dir.resolve("c.img"), 8L * BS, 2, DirectIo.OFF);
        assertFalse(dev.direct());
        assertTrue(dev.note().contains("buffered"), dev.note());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(BS, BS);
            assertEquals(IoUringBlockDevice.OK, dev.queueRead(0, buf, 1));
            dev.close();
            assertEquals(0, dev.outstanding(), "close reaped the read before unmapping the ring");
            assertEquals(0, dev.abandoned());
            dev.close();
            assertEquals(IoUringBlockDevice.CLOSED, dev.queueRead(0, buf, 2));
            assertEquals(IoUringBlockDevice.CLOSED, dev.queueFlush(2));
            assertEquals(IoUringBlockDevice.CLOSED, dev.submit());
            assertEquals(IoUringBlockDevice.CLOSED, dev.await(1, (t, r, f) -> { }));
        }
    }

    @Test
    void closingFromAnotherThreadThanTheOwnerCountsWhatItCouldNotReap() throws Exception {
        IoUringBlockDevice dev = open(dir.resolve("o.img"), 8L * BS, 2, DirectIo.PREFERRED);
        Assumptions.assumeTrue(dev.singleOwner(), "a plain ring can be submitted to from any thread");
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(BS, BS);
            // Queued, not submitted: the closing thread would have to submit it, which only the owner may.
            assertEquals(IoUringBlockDevice.OK, dev.queueRead(0, buf, 1));
            Thread other = Thread.ofPlatform().start(dev::close);
            other.join();
            assertEquals(1, dev.abandoned(), "counted: its buffer must not be freed while the kernel might use it");
            assertEquals(0, dev.outstanding());
            assertEquals(IoUringBlockDevice.CLOSED, dev.queueRead(0, buf, 2));
            Thread.sleep(50); // the kernel finishes (or cancels) the read before the buffer's arena goes
        }
    }

    @Test
    void existingFileKeepsItsSizeAndIsNeverShortened() throws Exception {
        Path file = dir.resolve("e.img");
        Files.write(file, new byte[8 * BS]);
        try (IoUringBlockDevice dev = open(file, 0, 2, DirectIo.PREFERRED)) {
            assertEquals(8, dev.blockCount());
            assertTrue(dev.describe().contains("8 x 4096 B blocks"), dev.describe());
        }
        try (IoUringBlockDevice dev = open(file, 4L * BS, 2, DirectIo.PREFERRED)) {
            assertEquals(4, dev.blockCount(), "the device is the size asked for");
        }
        assertEquals(8L * BS, Files.size(file), "the file was not shortened");
    }

    @Test
    void badArgumentsAreTypedErrors() throws Exception {
        Path f = dir.resolve("x.img");
        assertInstanceOf(HalError.InvalidArgument.class, error(IoUringBlockDevice.open(f, BS, 3000, 1, DirectIo.OFF)));
        assertInstanceOf(HalError.InvalidArgument.class, error(IoUringBlockDevice.open(f, BS, BS, 0, DirectIo.OFF)));
        assertInstanceOf(HalError.InvalidArgument.class, error(IoUringBlockDevice.open(f, 100, BS, 1, DirectIo.OFF)));
        assertInstanceOf(HalError.NotFound.class, error(IoUringBlockDevice.open(f, 0, BS, 1, DirectIo.OFF)));
        Files.write(f, new byte[100]);
        assertInstanceOf(HalError.InvalidArgument.class, error(IoUringBlockDevice.open(f, 0, BS, 1, DirectIo.OFF)));
        var missingDir = error(IoUringBlockDevice.open(dir.resolve("no/such/dir.img"), BS, BS, 1, DirectIo.OFF));
        assertInstanceOf(HalError.IoFailure.class, missingDir);
    }
}
