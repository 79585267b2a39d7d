package dev.kosh.ipc.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * JMH: the round trip of a kernel endpoint call (busy-poll and blocking) against raw JCTools SPSC,
 * ArrayBlockingQueue and Unix-domain-socket ping-pongs, in one run. SampleTime mode gives p50, p99
 * and p99.9 per variant. {@link IpcLatencyHarness} reports the same with HdrHistogram and prints
 * the ratios. Run with {@code java -cp <test classpath> dev.kosh.ipc.bench.IpcCallBenchmark}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class IpcCallBenchmark {
    @Param({"kernel-busy-poll", "kernel-blocking", "raw-spsc", "array-blocking-queue", "unix-socket"})
    public String variant;

    PingPongs pingPong;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        pingPong = switch (variant) {
            case "kernel-busy-poll" -> new PingPongs.KernelCall(1_000_000_000L);
            case "kernel-blocking" -> new PingPongs.KernelCall(0);
            case "raw-spsc" -> new PingPongs.RawSpsc();
            case "array-blocking-queue" -> new PingPongs.Blocking();
            case "unix-socket" -> new PingPongs.UnixSocket();
            default -> throw new IllegalArgumentException(variant);
        };
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        pingPong.close();
    }

    @Benchmark
    public Object roundTrip() throws Exception {
        return pingPong.roundTrip();
    }

    public static void main(String[] args) throws Exception {
        new Runner(new OptionsBuilder().include(IpcCallBenchmark.class.getSimpleName()).build()).run();
    }
}
