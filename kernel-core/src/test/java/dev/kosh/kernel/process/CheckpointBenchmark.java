package dev.kosh.kernel.process;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import dev.kosh.api.ProcessContext;
import dev.kosh.api.Signal;
import dev.kosh.kernel.testing.TestKernel;

/**
 * The cost of the kernel-entry checkpoint every system call passes, now that it also looks for
 * thread signals: {@code quiet} (no signal pending: three volatile reads and not-taken branches),
 * {@code threadStopped} (another thread of the process is stopped by its handle, so the entry looks
 * up the calling thread's object), against {@code before}, the checkpoint as it was before thread
 * signals (two volatile reads), all in the same run.
 *
 * <p>Run: {@code java -cp <kernel-core test class path> org.openjdk.jmh.Main CheckpointBenchmark -f 2 -wi 3 -i 5}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CheckpointBenchmark {
    private TestKernel kernel;
    private final CountDownLatch release = new CountDownLatch(1);
    private KoshProcess quiet;
    private KoshProcess withStoppedThread;

    @Setup(Level.Trial)
    public void boot() throws Exception {
        kernel = new TestKernel();
        quiet = holder("quiet").process();
        Holder h = holder("stopped");
        withStoppedThread = h.process();
        CountDownLatch parked = new CountDownLatch(1);
        Thread worker = h.ctx().startThread("parked", () -> {
            parked.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).orThrow();
        parked.await();
        h.ctx().signal(h.ctx().threadHandle(worker).orThrow(), Signal.STOP).orThrow();
    }

    private record Holder(KoshProcess process, ProcessContext ctx) {}

    private Holder holder(String name) throws Exception {
        CompletableFuture<ProcessContext> ctx = new CompletableFuture<>();
        kernel.programs.add(name, TestKernel.ALL_CAPABILITIES, c -> {
            ctx.complete(c);
            while (!c.terminationRequested() && release.getCount() > 0) c.sleep(Duration.ofMillis(20));
            return 0;
        });
        KoshProcess p = kernel.spawn(name);
        return new Holder(p, ctx.get(5, TimeUnit.SECONDS));
    }

    @TearDown(Level.Trial)
    public void halt() {
        release.countDown();
        kernel.close();
    }

    /** {@link KoshProcess#checkpoint()} as it was before thread signals, line for line. */
    @Benchmark
    public void before() {
        KoshProcess p = quiet;
        if (p.killed() && p.isThreadOf(Thread.currentThread())) throw new ProcessKilled(p.pid());
        if (p.stopped() && p.isThreadOf(Thread.currentThread())) {
            p.awaitContinue();
            if (p.killed()) throw new ProcessKilled(p.pid());
        }
    }

    @Benchmark
    public void quiet() {
        quiet.checkpoint();
    }

    @Benchmark
    public void threadStopped() {
        withStoppedThread.checkpoint();
    }
}
