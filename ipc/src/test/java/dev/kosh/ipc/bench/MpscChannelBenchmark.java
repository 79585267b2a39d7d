package dev.kosh.ipc.bench;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import dev.kosh.ipc.MpscChannel;
import dev.kosh.ipc.SendStatus;

/**
 * Throughput of one producer and one consumer through {@link MpscChannel}, against
 * {@link ArrayBlockingQueue} (the JDK's bounded queue) as the baseline, in the same run. Both
 * sides use their non-blocking calls and spin on FULL / empty, so the numbers compare the queues,
 * not the parking. Not part of the unit tests; run with
 * {@code java -cp <test classpath> dev.kosh.ipc.bench.MpscChannelBenchmark}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow"})
public class MpscChannelBenchmark {
    private static final int CAPACITY = 1024;
    private static final Integer MESSAGE = 42;

    @State(Scope.Group)
    public static class Channel {
        MpscChannel<Integer> channel;

        @Setup(Level.Iteration)
        public void setUp() {
            channel = new MpscChannel<>(CAPACITY);
        }
    }

    @State(Scope.Group)
    public static class Blocking {
        ArrayBlockingQueue<Integer> queue;

        @Setup(Level.Iteration)
        public void setUp() {
            queue = new ArrayBlockingQueue<>(CAPACITY);
        }
    }

    @Benchmark
    @Group("mpscChannel")
    @GroupThreads(1)
    public boolean mpscChannelSend(Channel s) {
        return s.channel.trySend(MESSAGE) == SendStatus.OK;
    }

    @Benchmark
    @Group("mpscChannel")
    @GroupThreads(1)
    public void mpscChannelReceive(Channel s, Blackhole bh) {
        bh.consume(s.channel.poll());
    }

    @Benchmark
    @Group("arrayBlockingQueue")
    @GroupThreads(1)
    public boolean arrayBlockingQueueOffer(Blocking s) {
        return s.queue.offer(MESSAGE);
    }

    @Benchmark
    @Group("arrayBlockingQueue")
    @GroupThreads(1)
    public void arrayBlockingQueuePoll(Blocking s, Blackhole bh) {
        bh.consume(s.queue.poll());
    }

    /** A receive that waits (the kernel's path) for a message sent from another thread: one message, one wake-up. */
    @State(Scope.Group)
    public static class PingPong {
        MpscChannel<Integer> ping;
        MpscChannel<Integer> pong;
        ArrayBlockingQueue<Integer> qPing;
        ArrayBlockingQueue<Integer> qPong;

        @Setup(Level.Iteration)
        public void setUp() {
            ping = new MpscChannel<>(2);
            pong = new MpscChannel<>(2);
            qPing = new ArrayBlockingQueue<>(2);
            qPong = new ArrayBlockingQueue<>(2);
        }
    }

    private static final Duration WAIT = Duration.ofMillis(10);

    @Benchmark
    @Group("mpscChannelPingPong")
    @GroupThreads(1)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Integer mpscChannelPing(PingPong s) {
        s.ping.trySend(MESSAGE);
        return s.pong.receive(WAIT);
    }

    @Benchmark
    @Group("mpscChannelPingPong")
    @GroupThreads(1)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Integer mpscChannelPong(PingPong s) {
        Integer m = s.ping.receive(WAIT);
        if (m != null) s.pong.trySend(m);
        return m;
    }

    @Benchmark
    @Group("arrayBlockingQueuePingPong")
    @GroupThreads(1)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Integer arrayBlockingQueuePing(PingPong s) throws InterruptedException {
        s.qPing.offer(MESSAGE);
        return s.qPong.poll(WAIT.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Benchmark
    @Group("arrayBlockingQueuePingPong")
    @GroupThreads(1)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Integer arrayBlockingQueuePong(PingPong s) throws InterruptedException {
        Integer m = s.qPing.poll(WAIT.toNanos(), TimeUnit.NANOSECONDS);
        if (m != null) s.qPong.offer(m);
        return m;
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(MpscChannelBenchmark.class.getSimpleName()).build()).run();
    }
}
