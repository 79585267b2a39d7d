package dev.kosh.drivers.block.bench;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

import dev.kosh.driver.BlockGrant;
import dev.kosh.driver.api.BlockAccess;
import dev.kosh.driver.api.BlockDevice;
import dev.kosh.driver.api.DriverRequest;
import dev.kosh.driver.api.DriverResponse;
import dev.kosh.drivers.block.BlockProtocol;
import dev.kosh.drivers.block.KernelHarness;
import dev.kosh.hal.linux.IoUringBlockDevice.DirectIo;

/**
 * JMH: 4 KiB reads from a file through Kosh's block path, two ways, at a queue depth.
 *
 * <ul>
 *   <li>{@code ring}: what a block driver does with its granted {@link BlockDevice} — keeps
 *       {@code qd} reads in flight, refilling as completions come back (like fio's iodepth);
 *   <li>{@code driver}: what a client of the block driver does — a request through the driver
 *       manager (channel, driver process, reply): one-block {@code read}s, {@code qd} of them in
 *       flight (asynchronous sends above qd 1), which the driver serves together;
 *   <li>{@code driverBatched}: the same queue depth in {@code readv}s of 16 blocks.
 * </ul>
 *
 * The score that counts is the {@code blocks} counter (blocks read per second = IOPS). Run by
 * {@link BlockBenchmarkRun}, which runs fio on the same file around each case; parameters:
 * {@code file} (an existing file of whole blocks), {@code qd}, {@code pattern} (rand or seq),
 * {@code direct} (true: O_DIRECT required).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class BlockThroughputBenchmark {
    private static final int BS = BlockGrant.BLOCK_SIZE;

    @Param("")
    public String file;
    @Param({"1", "32"})
    public int qd;
    @Param({"rand", "seq"})
    public String pattern;
    @Param("true")
    public boolean direct;

    /** Blocks read, reported per second next to the invocation rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Blocks {
        public long blocks;

        @Setup(Level.Iteration)
        public void reset() {
            blocks = 0;
        }
    }

    private BlockGrant grant;
    private BlockDevice device;
    private KernelHarness kernel;
    private ByteBuffer[] buffers;
    private int[] free;
    private int freeCount;
    private long blockCount;
    private long nextSeq;
    private final SplittableRandom random = new SplittableRandom(42);
    private int completed;
    private final BlockDevice.Completion onDone = (tag, result) -> {
        if (result != BS) throw new IllegalStateException("read " + tag + " returned " + result);
        free[freeCount++] = (int) tag;
        completed++;
    };

    @Setup(Level.Trial)
    public void open(BenchmarkParams params) throws Exception {
        Path path = Path.of(file);
        DirectIo mode = direct ? DirectIo.REQUIRED : DirectIo.OFF;
        grant = new BlockGrant("bench", List.of(new BlockGrant.Backing(path, 0, mode, qd)));
        device = switch (grant.open(0)) {
            case BlockAccess.Grant.Opened o -> o.device();
            case BlockAccess.Grant.Refused r -> throw new IllegalStateException(r.reason());
        };
        blockCount = device.blockCount();
        buffers = new ByteBuffer[qd];
        free = new int[qd];
        for (int i = 0; i < qd; i++) {
            buffers[i] = device.allocate(1);
            free[freeCount++] = i;
        }
        // Only the driver case starts the kernel's threads, so they cost the ring case nothing.
        if (params.getBenchmark().contains(".driver")) kernel = new KernelHarness(path, 0, qd, mode);
    }

    private long nextOffset() {
        if (pattern.equals("seq")) {
            long b = nextSeq;
            nextSeq = (nextSeq + 1) % blockCount;
            return b * BS;
        }
        return random.nextLong(blockCount) * BS;
    }

    /**
     * One or more completions of the ring kept {@code qd} deep, each read submitted as it is queued
     * (as the block driver does, and fio: submitted in bursts, the reads came back in bursts and
     * random QD 32 ran at 81 % of fio instead of ~100 %).
     */
    @Benchmark
    public int ring(Blocks counter) {
        completed = 0;
        while (freeCount > 0) {
            int slot = free[--freeCount];
            if (device.queueRead(nextOffset(), buffers[slot], slot).isPresent()) throw new IllegalStateException("refused");
            device.await(0, onDone); // submits it, and takes back whatever completed meanwhile
        }
        if (device.await(1, onDone) instanceof BlockDevice.Awaited.Failed f) throw new IllegalStateException(f.error().message());
        counter.blocks += completed;
        return completed;
    }

    /** Answers to the requests in flight, queued by the thread that completes them (qd above 1). */
    private final dev.kosh.ipc.MpscChannel<DriverResponse> answers = new dev.kosh.ipc.MpscChannel<>(1024);
    /** Blocks asked for and not yet answered. */
    private int inFlight;

    /**
     * A client of the block driver reading one block per request: at qd 1 a {@code read}, waited
     * for; above, {@code qd} one-block {@code read}s kept in flight (asynchronous sends, answers
     * queued back to the client as they come, in any order) — fio's iodepth, one more read per
     * answer.
     */
    @Benchmark
    public Object driver(Blocks counter) throws InterruptedException {
        if (qd == 1) {
            DriverResponse r = kernel.manager.call("block", BlockProtocol.read(nextOffset(), BS), Duration.ofSeconds(10)).orThrow();
            if (!(r instanceof DriverResponse.Ok)) throw new IllegalStateException(r.toString());
            counter.blocks++;
            return r;
        }
        return keepInFlight(counter, 1);
    }

    /**
     * The same queue depth in {@code readv}s of {@link #BATCH} blocks (two in flight at qd 32):
     * one request and one answer per 16 blocks, while the other request keeps the ring busy.
     */
    @Benchmark
    public Object driverBatched(Blocks counter) {
        return keepInFlight(counter, Math.min(BATCH, qd));
    }

    static final int BATCH = 16;

    private DriverResponse keepInFlight(Blocks counter, int blocksPerRequest) {
        while (inFlight + blocksPerRequest <= qd) {
            DriverRequest request;
            if (blocksPerRequest == 1) {
                request = BlockProtocol.read(nextOffset(), BS);
            } else {
                long[] offsets = new long[blocksPerRequest];
                for (int i = 0; i < blocksPerRequest; i++) offsets[i] = nextOffset();
                request = BlockProtocol.readv(offsets);
            }
            kernel.manager.send("block", request, Duration.ofSeconds(10)).orThrow().thenAccept(answers::trySend);
            inFlight += blocksPerRequest;
        }
        DriverResponse r = answers.receive(Duration.ofSeconds(10));
        if (!(r instanceof DriverResponse.Ok ok)) throw new IllegalStateException(String.valueOf(r));
        int blocks = ok.payloadLength() / BS;
        inFlight -= blocks;
        counter.blocks += blocks;
        return r;
    }

    @TearDown(Level.Trial)
    public void close() {
        while (inFlight > 0) {
            DriverResponse r = answers.receive(Duration.ofSeconds(10));
            if (!(r instanceof DriverResponse.Ok ok)) throw new IllegalStateException("a read in flight at the end: " + r);
            inFlight -= ok.payloadLength() / BS;
        }
        if (device.outstanding() > 0) device.await(device.outstanding(), (t, r) -> { });
        device.close();
        grant.close();
        if (kernel != null) kernel.close();
    }
}
