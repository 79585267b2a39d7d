package dev.kosh.kernel.isolation.bench;

import dev.kosh.kernel.isolation.WovenLoader;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;

/**
 * The same comparison as {@link PreemptionOverheadBenchmark}, for a shared noisy host: plain and
 * woven copies in one JVM, timed in alternating short batches, so drift and neighbours' load hit
 * both alike; reports the median of the per-round woven/plain ratios.
 *
 * <p>Run: {@code java -cp <test class path> dev.kosh.kernel.isolation.bench.PreemptionOverheadInterleaved [rounds]}
 */
public final class PreemptionOverheadInterleaved {
    private static final String W = "dev.kosh.kernel.isolation.corpus.Workloads$";
    private static long sink;

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        for (String workload : List.of("Fib", "NumericLoop", "Sieve")) {
            LongUnaryOperator plain = load(workload, false), woven = load(workload, true);
            long input = workload.equals("Fib") ? 22 : 12345;
            for (int i = 0; i < 20_000; i++) sink += plain.applyAsLong(input) + woven.applyAsLong(input); // warm-up
            double[] ratio = new double[rounds];
            double[] p = new double[rounds], w = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                boolean plainFirst = (r & 1) == 0;
                long a = time(plainFirst ? plain : woven, input), b = time(plainFirst ? woven : plain, input);
                p[r] = plainFirst ? a : b;
                w[r] = plainFirst ? b : a;
                ratio[r] = w[r] / p[r];
            }
            Arrays.sort(ratio);
            Arrays.sort(p);
            Arrays.sort(w);
            System.out.printf("%-12s plain median %8.2f us/op  woven median %8.2f us/op  overhead: median of ratios %+5.1f %%, "
                            + "quartiles %+5.1f / %+5.1f %%%n", workload, p[rounds / 2] / 1e3 / 20, w[rounds / 2] / 1e3 / 20,
                    (ratio[rounds / 2] - 1) * 100, (ratio[rounds / 4] - 1) * 100, (ratio[3 * rounds / 4] - 1) * 100);
        }
        if (sink == 42) System.out.println();
    }

    private static long time(LongUnaryOperator op, long input) {
        long t = System.nanoTime();
        for (int i = 0; i < 20; i++) sink += op.applyAsLong(input + (i & 1));
        return System.nanoTime() - t;
    }

    private static LongUnaryOperator load(String workload, boolean weave) throws Exception {
        WovenLoader loader = new WovenLoader(List.of(W), weave, Map.of());
        return (LongUnaryOperator) loader.loadClass(W + workload).getDeclaredConstructor().newInstance();
    }
}
