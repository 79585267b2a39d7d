package dev.kosh.kernel.isolation.bench;

import dev.kosh.kernel.isolation.SandboxFixture;
import dev.kosh.kernel.isolation.WovenLoader;
import dev.kosh.sandbox.Killed;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Kill latency against recursion depth: a woven recursion runs (compiled by C2 after
 * {@code runMillis}), is killed, and the time from the kill request to the {@code Killed} error
 * reaching the thread's run method (every frame unwound) is recorded.
 *
 * <p>Run: {@code java -cp <test class path> dev.kosh.kernel.isolation.bench.KillLatencyByDepth [runs] [runMillis]}
 */
public final class KillLatencyByDepth {
    /** Stack size of the victim thread (deep recursions need more than the default). */
    private static long STACK = 8 << 20;
    private static final String D = "dev.kosh.kernel.isolation.corpus.Depths$";

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        long runMillis = args.length > 1 ? Long.parseLong(args[1]) : 400;
        SandboxFixture.hooks();
        List<String> which = args.length > 2 ? List.of(args).subList(2, args.length) : List.of("Recurse", "RecurseWithLoop", "Overflow");
        for (String workload : which) {
            if (workload.equals("Overflow")) {
                for (long stack : new long[] {512 << 10, 1 << 20, 8 << 20}) {
                    STACK = stack;
                    report("Overflow, " + (stack >> 10) + " KiB stack", runs, runMillis, workload, 0);
                }
                STACK = 8 << 20;
                continue;
            }
            for (int depth : new int[] {100, 1000, 3000, 10_000}) {
                report(workload + " depth " + depth, runs, runMillis, workload, depth);
            }
        }
    }

    private static void report(String what, int runs, long runMillis, String workload, int depth) throws Exception {
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            WovenLoader loader = new WovenLoader(List.of(D), true, Map.of());
            Class<?> c = loader.loadClass(D + workload);
            if (depth > 0) c.getField("depth").setInt(null, depth);
            @SuppressWarnings("unchecked")
            Callable<Object> task = (Callable<Object>) c.getDeclaredConstructor().newInstance();
            ms[i] = killMillis(task, runMillis);
        }
        Arrays.sort(ms);
        System.out.printf("%-34s kill -> unwound: min %7.2f ms  median %7.2f ms  max %7.2f ms%n", what, ms[0], ms[runs / 2], ms[runs - 1]);
    }

    static double killMillis(Callable<Object> task, long runMillis) throws InterruptedException {
        long[] at = {0};
        Thread t = new Thread(null, () -> {
            try {
                task.call();
            } catch (Killed k) {
                at[0] = System.nanoTime();
            } catch (Throwable x) {
                System.out.println("victim ended with " + x.getClass().getName());
            }
        }, "victim", STACK);
        t.setDaemon(true);
        t.start();
        Thread.sleep(runMillis);
        long t0 = System.nanoTime();
        SandboxFixture.hooks().kill(t);
        t.join(10_000);
        SandboxFixture.hooks().clear(t);
        if (t.isAlive() || at[0] == 0) throw new AssertionError("not killed");
        return (at[0] - t0) / 1e6;
    }
}
