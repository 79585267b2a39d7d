package dev.kosh.ipc.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.jctools.queues.SpscArrayQueue;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import dev.kosh.api.ChannelBatch;
import dev.kosh.api.Message;
import dev.kosh.api.MessageType;
import dev.kosh.api.Outgoing;
import dev.kosh.api.SysResult;

/**
 * JMH, one producer thread and one consumer thread per group: the kernel channel's batched paths
 * against raw JCTools {@link SpscArrayQueue} in the same run, on the same footing as
 * {@link ChannelThroughputProbe} (capacity 1024, payload {@code Long 42}, batches of 256). Each
 * side makes non-blocking attempts; the {@code sent}/{@code received} counters (messages per
 * microsecond) are the throughput, not the raw op rate. Not part of the unit tests; run with
 * {@code java -cp <test classpath> dev.kosh.ipc.bench.ChannelThroughputBenchmark}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"})
public class ChannelThroughputBenchmark {
    static final int BATCH = ChannelThroughputProbe.BATCH;
    static final Long PAYLOAD = ChannelThroughputProbe.PAYLOAD;
    /** A receiver waits this long inside the kernel (spinning) before answering TIMEOUT: no error object per empty poll. */
    static final Duration WAIT = Duration.ofMillis(10);

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Sent {
        public long sent;

        @Setup(Level.Iteration)
        public void reset() {
            sent = 0;
        }
    }

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Received {
        public long received;

        @Setup(Level.Iteration)
        public void reset() {
            received = 0;
        }
    }

    @State(Scope.Group)
    public static class Raw {
        SpscArrayQueue<Object> queue;

        @Setup(Level.Iteration)
        public void setUp() {
            queue = new SpscArrayQueue<>(ChannelThroughputProbe.CAPACITY);
        }
    }

    /** Arrays of {@link #BATCH}: 1024 messages in flight, as in the others. */
    @State(Scope.Group)
    public static class RawArrays {
        SpscArrayQueue<Object[]> queue;

        @Setup(Level.Iteration)
        public void setUp() {
            queue = new SpscArrayQueue<>(ChannelThroughputProbe.CAPACITY / BATCH);
        }
    }

    @State(Scope.Thread)
    public static class Buffer {
        final Object[] data = new Object[BATCH];
        final Message[] messages = new Message[BATCH];
        final Outgoing[] outgoing = new Outgoing[BATCH];

        @Setup
        public void setUp() {
            Arrays.fill(data, PAYLOAD);
            Arrays.fill(outgoing, Outgoing.of(0, PAYLOAD));
        }
    }

    @State(Scope.Group)
    public static class Kernel {
        ChannelThroughputProbe.Kernel k;

        @Setup(Level.Iteration)
        public void setUp() {
            k = new ChannelThroughputProbe.KernelData(true);
        }

        @TearDown(Level.Iteration)
        public void tearDown() {
            k.close();
        }
    }

    // ---- raw JCTools SPSC, offer/poll per message, 256 attempts per op ----

    @Benchmark
    @Group("rawOfferPoll")
    @GroupThreads(1)
    public void rawOffer(Raw r, Sent c) {
        for (int i = 0; i < BATCH; i++) {
            if (r.queue.offer(PAYLOAD)) c.sent++;
            else Thread.onSpinWait();
        }
    }

    @Benchmark
    @Group("rawOfferPoll")
    @GroupThreads(1)
    public Object rawPoll(Raw r, Received c) {
        Object last = null;
        for (int i = 0; i < BATCH; i++) {
            Object e = r.queue.poll();
            if (e != null) {
                c.received++;
                last = e;
            } else {
                Thread.onSpinWait();
            }
        }
        return last;
    }

    // ---- raw JCTools SPSC, one copied Object[256] per entry (what the kernel's data plane does) ----

    @Benchmark
    @Group("rawArrays")
    @GroupThreads(1)
    public void rawArraySend(RawArrays r, Buffer b, Sent c) {
        if (r.queue.offer(b.data.clone())) c.sent += BATCH;
        else Thread.onSpinWait();
    }

    @Benchmark
    @Group("rawArrays")
    @GroupThreads(1)
    public Object rawArrayReceive(RawArrays r, Buffer b, Received c) {
        Object[] a = r.queue.poll();
        if (a == null) {
            Thread.onSpinWait();
            return null;
        }
        System.arraycopy(a, 0, b.data, 0, a.length);
        c.received += a.length;
        return b.data[0];
    }

    // ---- kernel, single-sender channel, sendData/receiveData ----

    @Benchmark
    @Group("kernelData")
    @GroupThreads(1)
    public void kernelSendData(Kernel k, Buffer b, Sent c) {
        if (k.k.pi.sendData(k.k.send, MessageType.SERVICE_REQUEST, 0, b.data, 0, BATCH, Duration.ZERO) instanceof SysResult.Ok<Integer>(Integer n)) c.sent += n;
        else Thread.onSpinWait(); // FULL (allocation-free): back-pressure
    }

    @Benchmark
    @Group("kernelData")
    @GroupThreads(1)
    public Object kernelReceiveData(Kernel k, Buffer b, Received c) {
        if (k.k.ci.receiveData(k.k.ch, b.data, WAIT) instanceof SysResult.Ok<ChannelBatch>(ChannelBatch got)) {
            c.received += got.count();
            return b.data[0];
        }
        return null;
    }

    // ---- kernel, single-sender channel, sendMany/receiveMany ----

    @Benchmark
    @Group("kernelMany")
    @GroupThreads(1)
    public void kernelSendMany(Kernel k, Buffer b, Sent c) {
        if (k.k.pi.sendMany(k.k.send, b.outgoing, 0, BATCH, Duration.ZERO) instanceof SysResult.Ok<Integer>(Integer n)) c.sent += n;
        else Thread.onSpinWait();
    }

    @Benchmark
    @Group("kernelMany")
    @GroupThreads(1)
    public Object kernelReceiveMany(Kernel k, Buffer b, Received c) {
        if (k.k.ci.receiveMany(k.k.ch, b.messages, WAIT) instanceof SysResult.Ok<Integer>(Integer n)) {
            c.received += n;
            return b.messages[0];
        }
        return null;
    }

    public static void main(String[] args) throws Exception {
        new Runner(new OptionsBuilder().include(ChannelThroughputBenchmark.class.getSimpleName()).build()).run();
    }
}
