package dev.kosh.drivers.block;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.kosh.driver.BlockGrant;
import dev.kosh.driver.api.DriverContext;
import dev.kosh.driver.api.DriverError;
import dev.kosh.driver.api.DriverRequest;
import dev.kosh.driver.api.DriverResponse;
import dev.kosh.hal.linux.IoUringBlockDevice.DirectIo;

/** The driver called directly, as its host calls it: one request at a time, on a real backing file through io_uring. */
@Timeout(60)
class BlockDriverTest {
    static final int BS = 4096;
    static final int BLOCKS = 256;

    @TempDir
    Path dir;
    private BlockGrant grant;
    private BlockDriver driver;

    private BlockDriver started(Path file, long size) {
        grant = new BlockGrant("block", List.of(new BlockGrant.Backing(file, size, DirectIo.PREFERRED, 32)));
        driver = new BlockDriver();
        assertEquals(Optional.empty(), driver.init(DriverContext.noDevices("block").withBlocks(grant)));
        return driver;
    }

    @AfterEach
    void tearDown() {
        if (driver != null) driver.cleanup();
        if (grant != null) grant.close();
    }

    static byte[] ok(DriverResponse r) {
        return switch (r) {
            case DriverResponse.Ok ok -> ok.payload();
            case DriverResponse.Failed f -> throw new AssertionError(f.error().code() + ": " + f.error().message());
        };
    }

    static DriverError failed(DriverResponse r) {
        return assertInstanceOf(DriverResponse.Failed.class, r).error();
    }

    @Test
    void anyWrittenRangeReadsBackAsWrittenAndTheRestIsUntouched() throws Exception {
        Path file = dir.resolve("disk.img");
        BlockDriver d = started(file, (long) BLOCKS * BS);
        byte[] model = new byte[BLOCKS * BS];
        qt().withExamples(150).forAll(integers().between(0, BLOCKS - 1), integers().between(1, 16), longs().all())
                .checkAssert((lba, count, seed) -> {
                    int n = Math.min(count, BLOCKS - lba);
                    byte[] data = new byte[n * BS];
                    new Random(seed).nextBytes(data);
                    assertEquals(data.length, ByteBuffer.wrap(ok(d.handleRequest(BlockProtocol.write((long) lba * BS, data, true)))).getLong());
                    System.arraycopy(data, 0, model, lba * BS, data.length);
                    assertArrayEquals(data, ok(d.handleRequest(BlockProtocol.read((long) lba * BS, data.length))));
                    // A neighbouring range, possibly overlapping, matches the model too.
                    int from = Math.max(0, lba - 2), len = Math.min(BLOCKS - from, n + 4);
                    assertArrayEquals(Arrays.copyOfRange(model, from * BS, (from + len) * BS),
                            ok(d.handleRequest(BlockProtocol.read((long) from * BS, len * BS))));
                });
        ok(d.handleRequest(BlockProtocol.flush()));
        assertArrayEquals(model, Files.readAllBytes(file), "every write reached the backing file");

        // A new instance on the same backing sees the same blocks (nothing lost across a restart).
        d.cleanup();
        driver = new BlockDriver();
        assertEquals(Optional.empty(), driver.init(DriverContext.noDevices("block").withBlocks(grant)));
        assertArrayEquals(Arrays.copyOfRange(model, 0, 64 * BS), ok(driver.handleRequest(BlockProtocol.read(0, 64 * BS))));
    }

    /**
     * As its host drives it: requests submitted one after another are all in flight at once, each
     * operation handed to the device as it is queued; answers come during later submits or
     * progress, each with its own blocks, including a readv wider than what the ring has left
     * (its rest waits for room). What needs no I/O is answered in its submit.
     */
    @Test
    void requestsSubmittedTogetherAreAnsweredOnProgressEachWithItsOwnBlocks() {
        BlockDriver d = started(dir.resolve("c.img"), (long) BLOCKS * BS);
        byte[] all = new byte[BLOCKS * BS];
        new Random(3).nextBytes(all);
        ok(d.handleRequest(BlockProtocol.write(0, Arrays.copyOf(all, BlockProtocol.MAX_TRANSFER), true)));
        assertEquals(32, d.maxInFlight(), "the ring's depth");
        java.util.Map<Integer, DriverResponse> answers = new java.util.HashMap<>();
        int[] blocks = new Random(4).ints(20, 0, BLOCKS).toArray();
        for (int i = 0; i < blocks.length; i++) {
            int n = i;
            d.submit(BlockProtocol.read((long) blocks[i] * BS, BS), r -> answers.put(n, r));
        }
        long[] wide = new Random(5).ints(40, 0, BLOCKS).asLongStream().map(b -> b * BS).toArray(); // 40 > the 12 slots left
        d.submit(BlockProtocol.readv(wide), r -> answers.put(-1, r));
        d.submit(BlockProtocol.size(), r -> answers.put(-2, r));
        assertTrue(answers.containsKey(-2), "size needs no I/O: answered in its submit");
        assertEquals(12, ok(answers.get(-2)).length);
        while (answers.size() < blocks.length + 2) d.progress(true);
        for (int i = 0; i < blocks.length; i++) {
            assertArrayEquals(Arrays.copyOfRange(all, blocks[i] * BS, (blocks[i] + 1) * BS), ok(answers.get(i)), "read #" + i);
        }
        byte[] got = ok(answers.get(-1));
        for (int i = 0; i < wide.length; i++) {
            int o = (int) wide[i];
            assertArrayEquals(Arrays.copyOfRange(all, o, o + BS), Arrays.copyOfRange(got, i * BS, (i + 1) * BS), "readv block #" + i);
        }
    }

    @Test
    void readvReturnsEachRequestedBlockInRequestOrderEvenBeyondTheQueueDepth() {
        BlockDriver d = started(dir.resolve("v.img"), (long) BLOCKS * BS);
        byte[] all = new byte[BLOCKS * BS];
        new Random(5).nextBytes(all);
        ok(d.handleRequest(BlockProtocol.write(0, Arrays.copyOf(all, BlockProtocol.MAX_TRANSFER), true)));
        long[] offsets = new Random(9).ints(100, 0, BLOCKS).asLongStream().map(b -> b * BS).toArray(); // 100 > QD 32, repeats allowed
        byte[] got = ok(d.handleRequest(BlockProtocol.readv(offsets)));
        assertEquals(offsets.length * BS, got.length);
        for (int i = 0; i < offsets.length; i++) {
            int o = (int) offsets[i];
            assertArrayEquals(Arrays.copyOfRange(all, o, o + BS), Arrays.copyOfRange(got, i * BS, (i + 1) * BS), "block #" + i);
        }
    }

    @Test
    void outOfRangeAndMisalignedRequestsGetAClearInvalidRequest() {
        BlockDriver d = started(dir.resolve("e.img"), 16L * BS);
        byte[] size = ok(d.handleRequest(BlockProtocol.size()));
        assertEquals(16, ByteBuffer.wrap(size).getLong());
        assertEquals(BS, ByteBuffer.wrap(size, 8, 4).getInt());

        String[][] cases = {
                {message(d, BlockProtocol.read(100, BS)), "read: misaligned offset 100 (must be a multiple of the 4096-byte block)"},
                {message(d, BlockProtocol.read(0, 4095)), "read: misaligned length 4095 (must be a positive multiple of the 4096-byte block)"},
                {message(d, BlockProtocol.read(0, 0)), "read: misaligned length 0"},
                {message(d, BlockProtocol.read(-BS, BS)), "read: misaligned offset -4096"},
                {message(d, BlockProtocol.read(16L * BS, BS)), "read: out of range: bytes 65536..69632 end past the device's 65536 bytes (16 blocks)"},
                {message(d, BlockProtocol.read(15L * BS, 2 * BS)), "read: out of range: bytes 61440..69632"},
                {message(d, BlockProtocol.write(8L * BS, new byte[BS + 1], true)), "write: misaligned length 4097"},
                {message(d, BlockProtocol.write(Long.MAX_VALUE / BS * BS, new byte[BS], true)), "write: out of range"},
                {message(d, BlockProtocol.read(0, BlockProtocol.MAX_TRANSFER + BS)), "read: 1052672 bytes is more than 1048576 in one request"},
                {message(d, BlockProtocol.readv(0, 8L * BS, 17L * BS)), "readv block #2: out of range"},
                {message(d, BlockProtocol.readv(4L * BS, 3)), "readv block #1: misaligned offset 3"},
                {message(d, BlockProtocol.readv(new long[257])), "readv of 257 blocks is more than 1048576 bytes in one request"},
                {message(d, new DriverRequest("readv", new byte[7], true)), "readv takes one or more 8-byte block offsets, got 7 bytes"},
                {message(d, new DriverRequest("read", new byte[8], true)), "read takes offset (8 bytes) and length (4 bytes), got 8 bytes"},
                {message(d, new DriverRequest("write", new byte[3], false)), "write takes offset (8 bytes) then the data, got 3 bytes"},
        };
        for (String[] c : cases) assertTrue(c[0].startsWith(c[1]), "expected '" + c[1] + "', got '" + c[0] + "'");
        DriverError unknown = failed(d.handleRequest(DriverRequest.of("trim", null)));
        assertEquals(DriverError.Code.NOT_SUPPORTED, unknown.code());
        String stats = new String(ok(d.handleRequest(DriverRequest.of("stats", null))), StandardCharsets.UTF_8);
        assertTrue(stats.startsWith("reads=0 writes=0 flushes=0"), "refused requests are not counted: " + stats);
    }

    private static String message(BlockDriver d, DriverRequest r) {
        DriverError e = failed(d.handleRequest(r));
        assertEquals(DriverError.Code.INVALID_REQUEST, e.code(), e.message());
        return e.message();
    }

    @Test
    void aDriverWithoutAGrantOrWithABadBackingDoesNotStartAndSaysWhy() {
        BlockDriver d = new BlockDriver();
        DriverError none = d.init(DriverContext.noDevices("block")).orElseThrow();
        assertEquals(DriverError.Code.DEVICE_ERROR, none.code());
        assertTrue(none.message().contains("set block.file and block.size"), none.message());
        assertTrue(d.init().isPresent(), "init() without a context cannot start a block driver");
        assertEquals(DriverError.Code.UNAVAILABLE, failed(d.handleRequest(BlockProtocol.size())).code());

        grant = new BlockGrant("block", List.of(new BlockGrant.Backing(dir.resolve("absent.img"), 0, DirectIo.PREFERRED, 4)));
        DriverError bad = d.init(DriverContext.noDevices("block").withBlocks(grant)).orElseThrow();
        assertTrue(bad.message().startsWith("cannot open the block device: ") && bad.message().contains("absent.img"), bad.message());
        d.cleanup();
        assertEquals("no device", d.description());
    }

    @Test
    void describesItsDeviceAndCountsWhatItServed() {
        BlockDriver d = started(dir.resolve("s.img"), 8L * BS);
        assertTrue(d.description().contains("s.img") && d.description().contains("io_uring QD 32"), d.description());
        ok(d.handleRequest(BlockProtocol.write(0, new byte[2 * BS], false)));
        ok(d.handleRequest(BlockProtocol.read(0, BS)));
        ok(d.handleRequest(BlockProtocol.readv(0, BS)));
        ok(d.handleRequest(BlockProtocol.flush()));
        String stats = new String(ok(d.handleRequest(DriverRequest.of("stats", null))), StandardCharsets.UTF_8);
        assertTrue(stats.startsWith("reads=3 writes=1 flushes=1 bytes-read=12288 bytes-written=8192"), stats);
        assertEquals("block", d.getCapabilities().deviceClass());
        assertTrue(d.getCapabilities().operations().containsAll(List.of("read", "write", "flush", "size")));
    }
}
