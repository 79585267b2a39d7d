package dev.kosh.kernel.isolation.bench;

import dev.kosh.kernel.isolation.SandboxFixture;
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
 * <p>Then the price of the free fast path: each checkpoint request and each last release retargets
 * the poll's call site, which deoptimizes every compiled woven method. It prints how long a
 * request/release pair takes (with the three workloads compiled) and how much slower the first
 * batches of each workload run afterwards, until the JIT has compiled them again.
 *
 * <p>Run: {@code java -cp <test class path> dev.kosh.kernel.isolation.bench.PreemptionOverheadInterleaved [rounds]}
 */
public final class PreemptionOverheadInterleaved {
    private static final String W = "dev.kosh.kernel.isolation.corpus.Workloads$";
    private static long sink;

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        Map<String, LongUnaryOperator[]> ops = new java.util.LinkedHashMap<>();
        Map<String, Double> wovenMedian = new java.util.LinkedHashMap<>();
        for (String workload : List.of("Fib", "NumericLoop", "Sieve")) {
            LongUnaryOperator plain = load(workload, false), woven = load(workload, true);
            ops.put(workload, new LongUnaryOperator[] {plain, woven});
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
            wovenMedian.put(workload, w[rounds / 2]);
        }
        signalCost(ops, wovenMedian, rounds);
        if (sink == 42) System.out.println();
    }

    /**
     * A request/release pair (as a signal to some other thread makes), then each workload's
     * recovery after a pair and after a request held 20 ms (past the entry points' escalation): the batches until one runs within 10 % of its steady median, and the overhead
     * measured again once the JIT has recompiled it.
     */
    private static void signalCost(Map<String, LongUnaryOperator[]> ops, Map<String, Double> median, int rounds) throws InterruptedException {
        SandboxFixture.TestHooks hooks = SandboxFixture.hooks();
        Thread bystander = new Thread(() -> { }, "bystander"); // the signal's target: never runs woven code
        double[] pair = new double[10];
        for (int i = 0; i < pair.length; i++) {
            for (var e : ops.entrySet()) for (int k = 0; k < 200; k++) sink += e.getValue()[1].applyAsLong(input(e.getKey())); // recompiled
            long t = System.nanoTime();
            hooks.preempt(bystander); // requestCheckpoints
            hooks.clear(bystander);   // releaseCheckpoints
            pair[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(pair);
        System.out.printf("signal: request+release pair with the workloads compiled: median %.2f ms, max %.2f ms%n",
                pair[pair.length / 2], pair[pair.length - 1]);
        // a signal handled at once (as a kill of a thread in a loop), and one outstanding for
        // 20 ms against a runnable thread that reaches no point (a thread in a recursion): the
        // recursion points are escalated to and recursive code deoptimized
        for (long hold : new long[] {0, 20}) {
            for (var e : ops.entrySet()) recovery(e.getKey(), e.getValue()[0], e.getValue()[1], median.get(e.getKey()), rounds, hold);
        }
    }

    private static void recovery(String workload, LongUnaryOperator plain, LongUnaryOperator woven, double m, int rounds, long holdMillis)
            throws InterruptedException {
        SandboxFixture.TestHooks hooks = SandboxFixture.hooks();
        long input = input(workload);
        for (int k = 0; k < 2000; k++) sink += woven.applyAsLong(input);
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread target = new Thread(() -> {
            while (!done.get()) Thread.onSpinWait(); // unwoven: runnable, never at a point
        }, "signal-target");
        target.setDaemon(true);
        target.start();
        hooks.preempt(target);
        if (holdMillis > 0) Thread.sleep(holdMillis);
        hooks.clear(target);
        done.set(true);
        target.join();
        long t0 = System.nanoTime(), lost = 0;
        int batches = 0;
        while (batches < 1000) { // batches of 20 calls until one runs within 10 % of the steady median
            long b = time(woven, input);
            batches++;
            lost += Math.max(0, b - (long) m);
            if (b <= 1.1 * m) break;
        }
        double recovered = (System.nanoTime() - t0) / 1e6;
        for (int k = 0; k < 500; k++) sink += woven.applyAsLong(input); // recompiled by now
        double[] ratio = ratios(plain, woven, input, rounds / 2);
        System.out.printf("signal held %2d ms: %-12s within 10 %% of full speed after %d batches (%.1f ms, %.2f ms lost); "
                        + "then overhead %+5.1f %% (quartiles %+5.1f / %+5.1f %%)%n", holdMillis, workload, batches, recovered, lost / 1e6,
                (ratio[ratio.length / 2] - 1) * 100, (ratio[ratio.length / 4] - 1) * 100, (ratio[3 * ratio.length / 4] - 1) * 100);
    }

    /** Sorted per-round woven/plain ratios of alternating batches. */
    private static double[] ratios(LongUnaryOperator plain, LongUnaryOperator woven, long input, int rounds) {
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            boolean plainFirst = (r & 1) == 0;
            long a = time(plainFirst ? plain : woven, input), b = time(plainFirst ? woven : plain, input);
            ratio[r] = plainFirst ? (double) b / a : (double) a / b;
        }
        Arrays.sort(ratio);
        return ratio;
    }

    private static long input(String workload) {
        return workload.equals("Fib") ? 22 : 12345;
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
