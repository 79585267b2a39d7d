package dev.kosh.scheduler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.kernel.process.ProcessLimits;
import dev.kosh.kernel.process.ProcessTable;

/**
 * The allocation quota's agent: one kernel thread ({@code kosh-quota}) that every {@code period}
 * sums the JVM's per-thread allocation counters of each process with a heap limit and holds the
 * sum against the process's budget for the current window (docs/isolation.md, "Quotas").
 *
 * <p>Semantics: a process may allocate {@code heapSoft} / {@code heapHard} bytes per
 * {@code heapWindow} (fixed windows, starting when the watchdog first sees the process). The
 * counters are cumulative — they count every allocation, never a free — so this is an allocation
 * <em>budget</em>, not a live-heap size: a budget over the lifetime would eventually kill every
 * long-running service, and the JVM has no per-thread live-heap figure to offer instead. Past the
 * soft limit the process gets {@code QUOTA} once per window; past the hard limit it is killed.
 * A burst may straddle two windows and get close to twice the budget before either is exceeded.
 *
 * <p>Threading: the window state is owned by the agent thread alone; {@link #start},
 * {@link #close} and the statistics may be called from any thread.
 */
public final class AllocationWatchdog implements AutoCloseable {
    /** How often the counters are read unless the caller says otherwise. */
    public static final Duration DEFAULT_PERIOD = Duration.ofMillis(20);

    private final ProcessTable table;
    private final KernelThreads threads;
    private final Duration period;
    /** Owned by the agent thread: each watched process's current window. */
    private final Map<KoshProcess, Window> windows = new HashMap<>();
    private final AtomicLong samples = new AtomicLong();
    private final AtomicLong sampleNanos = new AtomicLong();
    private final AtomicLong maxSampleNanos = new AtomicLong();
    private volatile Thread agent;
    private volatile boolean running;

    /** One process's window: when it began and what its counters said then. */
    private static final class Window {
        long startNanos;
        long baseBytes;
        boolean signalled;

        Window(long startNanos) {
            this.startNanos = startNanos;
        }
    }

    public AllocationWatchdog(ProcessTable table, KernelThreads threads, Duration period) {
        if (period == null || period.isNegative() || period.isZero()) throw new IllegalArgumentException("period must be positive");
        this.table = table;
        this.threads = threads;
        this.period = period;
    }

    /** Starts the agent thread; false (and nothing started) when the JVM cannot count allocations. */
    public synchronized boolean start() {
        if (agent != null) return true;
        if (!threads.allocationCountingSupported()) return false;
        running = true;
        agent = Thread.ofPlatform().name("kosh-quota").daemon(true).priority(Thread.MAX_PRIORITY).start(this::run);
        return true;
    }

    private void run() {
        long periodNanos = period.toNanos();
        while (running) {
            long t0 = System.nanoTime();
            sample(t0);
            long spent = System.nanoTime() - t0;
            samples.incrementAndGet();
            sampleNanos.addAndGet(spent);
            maxSampleNanos.accumulateAndGet(spent, Math::max);
            try {
                Thread.sleep(Duration.ofNanos(Math.max(0, periodNanos - spent)));
            } catch (InterruptedException e) {
                if (!running) return;
            }
        }
    }

    /**
     * One pass: reads every watched thread's counter in one call, then checks each process. Runs
     * on the agent thread (tests call it directly with the agent stopped).
     */
    void sample(long now) {
        List<KoshProcess> watched = new ArrayList<>();
        List<List<Thread>> threadsOf = new ArrayList<>();
        int count = 0;
        for (KoshProcess p : table.live()) {
            if (p.image() == null || !p.limits().limitsAllocation() || p.killed()) continue;
            List<Thread> ts = p.threads();
            watched.add(p);
            threadsOf.add(ts);
            count += ts.size();
        }
        windows.keySet().retainAll(watched);
        if (watched.isEmpty()) return;
        long[] ids = new long[count];
        int i = 0;
        for (List<Thread> ts : threadsOf) for (Thread t : ts) ids[i++] = t.threadId();
        long[] bytes = threads.allocatedBytes(ids);
        i = 0;
        for (int k = 0; k < watched.size(); k++) {
            KoshProcess p = watched.get(k);
            long total = p.finishedThreadsAllocatedBytes();
            for (int n = threadsOf.get(k).size(); n > 0; n--, i++) if (bytes[i] > 0) total += bytes[i];
            check(p, total, now);
        }
    }

    private void check(KoshProcess p, long total, long now) {
        ProcessLimits limits = p.limits();
        Window w = windows.computeIfAbsent(p, x -> new Window(now)); // base 0: every byte since spawn counts
        if (now - w.startNanos >= limits.heapWindow().toNanos()) {
            w.startNanos = now;
            w.baseBytes = total;
            w.signalled = false;
        }
        long used = total - w.baseBytes;
        long windowMs = limits.heapWindow().toMillis();
        if (limits.heapHard() > 0 && used > limits.heapHard()) {
            if (limits.heapSoft() > 0 && !w.signalled) {
                // It passed the soft limit on its way, between two passes: the signal comes too late
                // to act on, but the journal still reads as the limits promise (signalled, then killed).
                table.quotaExceeded(p, "allocated " + mib(used) + " within " + windowMs + " ms, past heap.soft " + mib(limits.heapSoft()), false);
            }
            table.quotaExceeded(p, "allocated " + mib(used) + " within " + windowMs + " ms, past heap.hard " + mib(limits.heapHard()), true);
            windows.remove(p);
        } else if (limits.heapSoft() > 0 && used > limits.heapSoft() && !w.signalled) {
            w.signalled = true;
            table.quotaExceeded(p, "allocated " + mib(used) + " within " + windowMs + " ms, past heap.soft " + mib(limits.heapSoft()), false);
        }
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20));
    }

    /** Passes made so far. */
    public long samples() {
        return samples.get();
    }

    /** Mean time one pass took, in nanoseconds (0 before the first). */
    public long meanSampleNanos() {
        long n = samples.get();
        return n == 0 ? 0 : sampleNanos.get() / n;
    }

    /** Time spent in passes so far, in nanoseconds. */
    public long totalSampleNanos() {
        return sampleNanos.get();
    }

    /** The longest pass, in nanoseconds. */
    public long maxSampleNanos() {
        return maxSampleNanos.get();
    }

    public Duration period() {
        return period;
    }

    /** Stops the agent thread and waits for it. Idempotent. */
    @Override
    public synchronized void close() {
        running = false;
        Thread t = agent;
        if (t == null) return;
        t.interrupt();
        try {
            t.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        agent = null;
    }
}
