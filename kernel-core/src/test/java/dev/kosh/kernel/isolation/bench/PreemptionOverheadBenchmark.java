package dev.kosh.kernel.isolation.bench;

import dev.kosh.kernel.isolation.WovenLoader;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongUnaryOperator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The cost of preemption points: the same CPU-bound workload, loaded once as it was compiled
 * ({@code plain}, the baseline) and once verified and woven ({@code woven}), each through its own
 * class loader, in the same run. No checkpoint request is outstanding, so this measures the fast
 * path: a read and a not-taken branch per loop iteration and per invocation that calls.
 * {@link PreemptionOverheadInterleaved} does the same comparison in one JVM, for noisy hosts.
 *
 * <p>Run: {@code java -cp <test class path> org.openjdk.jmh.Main PreemptionOverhead -f 1 -wi 3 -i 5}
 * (see docs/isolation.md for numbers).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PreemptionOverheadBenchmark {
    private static final String W = "dev.kosh.kernel.isolation.corpus.Workloads$";

    @Param({"Fib", "NumericLoop", "Sieve"})
    public String workload;

    @Param({"plain", "woven"})
    public String variant;

    private LongUnaryOperator op;
    private long input;

    @Setup
    public void load() throws Exception {
        WovenLoader loader = new WovenLoader(List.of(W), variant.equals("woven"), Map.of());
        op = (LongUnaryOperator) loader.loadClass(W + workload).getDeclaredConstructor().newInstance();
        input = workload.equals("Fib") ? 22 : 12345;
    }

    @Benchmark
    public long run() {
        return op.applyAsLong(input);
    }
}
