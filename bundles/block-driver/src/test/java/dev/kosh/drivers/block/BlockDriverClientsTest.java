package dev.kosh.drivers.block;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.kosh.driver.DriverInfo;
import dev.kosh.driver.DriverState;
import dev.kosh.driver.api.DriverError;
import dev.kosh.driver.api.DriverRequest;
import dev.kosh.driver.api.DriverResponse;
import dev.kosh.hal.linux.IoUringBlockDevice.DirectIo;

/** The block driver as clients reach it: through the driver manager, several clients at once. */
@Timeout(90)
class BlockDriverClientsTest {
    private static final int BS = 4096;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private static byte[] call(KernelHarness k, DriverRequest r) throws InterruptedException {
        DriverResponse resp = k.manager.call("block", r, TIMEOUT).orThrow();
        return switch (resp) {
            case DriverResponse.Ok ok -> ok.payload();
            case DriverResponse.Failed f -> throw new AssertionError(r.operation() + ": " + f.error().code() + " " + f.error().message());
        };
    }

    @Test
    void concurrentClientsEachReadBackTheirOwnWritesAndTheFileHoldsThemAll() throws Exception {
        int clients = 4, regionBlocks = 32, rounds = 60;
        Path file = dir.resolve("shared.img");
        try (KernelHarness k = new KernelHarness(file, (long) clients * regionBlocks * BS, 32, DirectIo.PREFERRED)) {
            byte[][] models = new byte[clients][regionBlocks * BS];
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            try {
                List<Future<Integer>> done = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    int client = c;
                    done.add(pool.submit((Callable<Integer>) () -> {
                        Random rnd = new Random(100 + client);
                        long base = (long) client * regionBlocks * BS;
                        byte[] model = models[client];
                        int checked = 0;
                        for (int i = 0; i < rounds; i++) {
                            int lba = rnd.nextInt(regionBlocks), n = 1 + rnd.nextInt(Math.min(4, regionBlocks - lba));
                            byte[] data = new byte[n * BS];
                            rnd.nextBytes(data);
                            call(k, BlockProtocol.write(base + (long) lba * BS, data, true));
                            System.arraycopy(data, 0, model, lba * BS, data.length);
                            assertArrayEquals(data, call(k, BlockProtocol.read(base + (long) lba * BS, data.length)), "client " + client);
                            // A scattered read of the client's own region, submitted together.
                            long[] offsets = rnd.ints(8, 0, regionBlocks).asLongStream().map(b -> base + b * BS).toArray();
                            byte[] got = call(k, BlockProtocol.readv(offsets));
                            for (int j = 0; j < offsets.length; j++) {
                                int o = (int) (offsets[j] - base);
                                assertArrayEquals(Arrays.copyOfRange(model, o, o + BS), Arrays.copyOfRange(got, j * BS, (j + 1) * BS));
                            }
                            checked++;
                        }
                        return checked;
                    }));
                }
                for (Future<Integer> f : done) assertEquals(rounds, f.get());
            } finally {
                pool.shutdownNow();
            }
            call(k, BlockProtocol.flush());
            byte[] onDisk = Files.readAllBytes(file);
            for (int c = 0; c < clients; c++) {
                assertArrayEquals(models[c], Arrays.copyOfRange(onDisk, c * regionBlocks * BS, (c + 1) * regionBlocks * BS), "region of client " + c);
            }
            DriverInfo info = k.manager.list().getFirst();
            assertEquals(DriverState.RUNNING, info.state());
            assertEquals(clients * rounds * 3L + 1, info.requests(), "every request was served, none lost");
            assertEquals(0, info.faults());
        }
    }

    @Test
    void aBadRequestThroughTheManagerIsAnErrorForThatClientOnlyAndTheDriverKeepsServing() throws Exception {
        try (KernelHarness k = new KernelHarness(dir.resolve("b.img"), 8L * BS, 4, DirectIo.PREFERRED)) {
            DriverResponse bad = k.manager.call("block", BlockProtocol.read(8L * BS, BS), TIMEOUT).orThrow();
            DriverError e = assertInstanceOf(DriverResponse.Failed.class, bad).error();
            assertEquals(DriverError.Code.INVALID_REQUEST, e.code());
            assertTrue(e.message().contains("out of range"), e.message());
            assertEquals(8 * BS, call(k, BlockProtocol.read(0, 8 * BS)).length);
            assertEquals(0, k.manager.list().getFirst().faults(), "a refused request is not a fault");
            assertTrue(k.journal.stream().anyMatch(l -> l.contains("running: block")), k.journal.toString());
        }
    }

    /**
     * One client keeps 64 requests in flight (asynchronous sends) against a ring of depth 16: the
     * driver holds up to 16 at once, reads and writes to distinct blocks all land, each answer is
     * its own request's, and the blocks read back as written.
     */
    @Test
    void oneClientWithManyRequestsInFlightGetsEachItsOwnAnswer() throws Exception {
        int blocks = 256, depth = 16;
        try (KernelHarness k = new KernelHarness(dir.resolve("qd.img"), (long) blocks * BS, depth, DirectIo.PREFERRED)) {
            Random rnd = new Random(11);
            byte[][] written = new byte[blocks][];
            List<java.util.concurrent.CompletableFuture<DriverResponse>> writes = new ArrayList<>();
            for (int b = 0; b < blocks; b++) {
                written[b] = new byte[BS];
                rnd.nextBytes(written[b]);
                byte[] payload = written[b];
                writes.add(k.manager.send("block", BlockProtocol.write((long) b * BS, payload, true), TIMEOUT).orThrow());
                if (writes.size() == 64) drain(writes);
            }
            drain(writes);
            List<java.util.concurrent.CompletableFuture<DriverResponse>> reads = new ArrayList<>();
            int[] order = rnd.ints(blocks, 0, blocks).toArray();
            for (int b : order) reads.add(k.manager.send("block", BlockProtocol.read((long) b * BS, BS), TIMEOUT).orThrow());
            for (int i = 0; i < order.length; i++) {
                DriverResponse r = reads.get(i).get(10, java.util.concurrent.TimeUnit.SECONDS);
                assertArrayEquals(written[order[i]], assertInstanceOf(DriverResponse.Ok.class, r).payload(), "read #" + i + " of block " + order[i]);
            }
            DriverInfo info = k.manager.list().getFirst();
            assertEquals(2L * blocks, info.requests());
            assertEquals(0, info.faults());
        }
    }

    private static void drain(List<java.util.concurrent.CompletableFuture<DriverResponse>> pending) throws Exception {
        for (var f : pending) {
            DriverResponse r = f.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(8, assertInstanceOf(DriverResponse.Ok.class, r, () -> r.toString()).payload().length);
        }
        pending.clear();
    }
}
