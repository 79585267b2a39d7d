package dev.kosh.hal.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.Mechanism;
import dev.kosh.hal.spi.HostRoot;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(20)
class IoUringTest {

    record Completion(long userData, int result) {}

    /** The live host's ring, or an assumption failure naming why the host refuses io_uring. */
    private static IoUring ringOrSkip(int entries) {
        return switch (IoUring.setup(entries)) {
            case HalResult.Ok<IoUring>(IoUring r) -> r;
            case HalResult.Err<IoUring>(HalError.Unavailable u) -> {
                Assumptions.assumeTrue(false, "io_uring unavailable on this host: " + u.reason());
                throw new AssertionError("unreachable");
            }
            case HalResult.Err<IoUring>(HalError e) -> throw new AssertionError("io_uring setup failed: " + e.message());
        };
    }

    private static List<Completion> awaitCompletions(IoUring ring, int n) {
        List<Completion> out = new ArrayList<>();
        while (out.size() < n) {
            int r = ring.submitAndWait(n - out.size());
            assertTrue(r >= 0 || r == -Libc.EINTR, "io_uring_enter returned " + r);
            ring.reap((ud, res, flags) -> out.add(new Completion(ud, res)));
        }
        return out;
    }

    @Test
    void nopCompletesWithItsUserData() {
        try (IoUring ring = ringOrSkip(4)) {
            assertEquals(IoUring.OK, ring.prepareNop(42));
            assertEquals(IoUring.OK, ring.prepareNop(43));
            List<Completion> c = awaitCompletions(ring, 2);
            assertEquals(List.of(new Completion(42, 0), new Completion(43, 0)), c);
        }
    }

    @Test
    void fileWrittenThroughTheRingReadsBackIdentically(@TempDir Path dir) throws Exception {
        byte[] data = new byte[3 * 4096 + 123];
        new Random(7).nextBytes(data);
        Path file = dir.resolve("block.img");
        try (IoUring ring = ringOrSkip(8); Arena arena = Arena.ofConfined();
             NativeFile f = NativeFile.open(file, NativeFile.Mode.CREATE_TRUNCATE).orElseThrow()) {
            MemorySegment out = arena.allocate(data.length, 4096);
            MemorySegment.copy(data, 0, out, ValueLayout.JAVA_BYTE, 0, data.length);
            assertEquals(IoUring.OK, ring.prepareWrite(f.fd(), out, 0, 1));
            assertEquals(List.of(new Completion(1, data.length)), awaitCompletions(ring, 1));
            assertEquals(IoUring.OK, ring.prepareFsync(f.fd(), 2));
            assertEquals(List.of(new Completion(2, 0)), awaitCompletions(ring, 1));
            assertArrayEquals(data, Files.readAllBytes(file), "the write reached the file");

            MemorySegment in = arena.allocate(data.length, 4096);
            // Two reads at different offsets, completed in whatever order the kernel chooses.
            int half = 2 * 4096;
            assertEquals(IoUring.OK, ring.prepareRead(f.fd(), in.asSlice(0, half), 0, 10));
            assertEquals(IoUring.OK, ring.prepareRead(f.fd(), in.asSlice(half), half, 11));
            List<Completion> c = awaitCompletions(ring, 2);
            assertEquals(2, c.size());
            for (Completion x : c) {
                assertEquals(x.userData() == 10 ? half : data.length - half, x.result());
            }
            assertArrayEquals(data, in.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void readOfABadDescriptorCompletesWithNegatedEbadf() {
        try (IoUring ring = ringOrSkip(2); Arena arena = Arena.ofConfined()) {
            assertEquals(IoUring.OK, ring.prepareRead(1_000_000, arena.allocate(16), 0, 5));
            assertEquals(List.of(new Completion(5, -Libc.EBADF)), awaitCompletions(ring, 1));
        }
    }

    @Test
    void fullSubmissionQueueAndHeapBuffersAreReturnCodesNotExceptions() {
        try (IoUring ring = ringOrSkip(2)) {
            int n = ring.sqEntries();
            for (int i = 0; i < n; i++) assertEquals(IoUring.OK, ring.prepareNop(i));
            assertEquals(IoUring.SQ_FULL, ring.prepareNop(99));
            assertEquals(IoUring.HEAP_BUFFER, ring.prepareRead(0, MemorySegment.ofArray(new byte[8]), 0, 1));
            assertEquals(n, awaitCompletions(ring, n).size());
            assertEquals(IoUring.OK, ring.prepareNop(100), "slots are reusable once consumed");
            awaitCompletions(ring, 1);
        }
    }

    @Test
    void aSingleOwnerRingServesItsOwnerAndRefusesAnyOtherThread() throws Exception {
        IoUring ring = switch (IoUring.setup(4, IoUring.SINGLE_OWNER)) {
            case HalResult.Ok<IoUring>(IoUring r) -> r;
            case HalResult.Err<IoUring>(HalError e) -> {
                Assumptions.assumeTrue(false, "this kernel has no single-issuer rings: " + e.message());
                throw new AssertionError("unreachable");
            }
        };
        try (ring) {
            assertEquals(IoUring.SINGLE_OWNER, ring.setupFlags() & IoUring.SINGLE_OWNER);
            assertEquals(IoUring.OK, ring.prepareNop(1));
            assertEquals(List.of(new Completion(1, 0)), awaitCompletions(ring, 1));
            assertEquals(IoUring.OK, ring.prepareNop(2));
            int[] other = new int[1];
            Thread t = Thread.ofPlatform().start(() -> other[0] = ring.submitAndWait(1));
            t.join();
            assertEquals(-17, other[0], "EEXIST: only the thread that set the ring up may submit");
            assertEquals(List.of(new Completion(2, 0)), awaitCompletions(ring, 1), "the owner still can");
        }
    }

    @Test
    void closedRingRefusesWorkAndClosesOnce() {
        IoUring ring = ringOrSkip(2);
        ring.close();
        ring.close();
        assertEquals(IoUring.CLOSED, ring.prepareNop(1));
        assertEquals(IoUring.CLOSED, ring.submit());
    }

    @Test
    void disabledSysctlIsReportedAsUnavailableWithTheValue(@TempDir Path root) throws Exception {
        Path sysctl = root.resolve("proc/sys/kernel/io_uring_disabled");
        Files.createDirectories(sysctl.getParent());
        Files.writeString(sysctl, "2\n");
        var r = IoUring.setup(4, HostRoot.at(root));
        var u = assertInstanceOf(HalError.Unavailable.class, ((HalResult.Err<IoUring>) r).error());
        assertEquals(Mechanism.IO_URING, u.mechanism());
        assertTrue(u.reason().contains("is 2"), u.reason());
    }

    @Test
    void entryCountOutsideTheKernelsRangeIsAnInvalidArgument() {
        assertInstanceOf(HalError.InvalidArgument.class, ((HalResult.Err<IoUring>) IoUring.setup(0)).error());
        assertInstanceOf(HalError.InvalidArgument.class, ((HalResult.Err<IoUring>) IoUring.setup(65_536)).error());
    }

    @Test
    void eventfdCountsSignalsUntilRead() {
        try (EventFd fd = EventFd.create().orElseThrow()) {
            assertEquals(0, fd.signal(2));
            assertEquals(0, fd.signal(3));
            assertEquals(5, fd.await());
        }
    }
}
