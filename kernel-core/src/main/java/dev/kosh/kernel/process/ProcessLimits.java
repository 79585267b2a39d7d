package dev.kosh.kernel.process;

import java.time.Duration;

/**
 * The quotas of one process (docs/isolation.md, "Quotas").
 *
 * <ul>
 *   <li>{@code threads}: live threads, the main thread included. A request past it is refused with
 *       {@code QUOTA_EXCEEDED} and the process is sent {@code QUOTA}; a process refused as many
 *       times again as its quota is a thread bomb, and is killed.</li>
 *   <li>{@code heapSoft} / {@code heapHard}: bytes the process's threads may <em>allocate</em> within
 *       one {@code heapWindow} (an allocation budget, not a live-heap size: the JVM's per-thread
 *       counters are cumulative and know nothing of what the collector frees). Past the soft limit
 *       the process is sent {@code QUOTA} (once per window); past the hard limit it is killed.
 *       0 means no limit.</li>
 * </ul>
 */
public record ProcessLimits(int threads, long heapSoft, long heapHard, Duration heapWindow) {
    public static final int DEFAULT_THREADS = 64;
    public static final Duration DEFAULT_HEAP_WINDOW = Duration.ofSeconds(1);
    /** 64 threads, no allocation limit, 1 s windows. */
    public static final ProcessLimits DEFAULT = new ProcessLimits(DEFAULT_THREADS, 0, 0, DEFAULT_HEAP_WINDOW);

    public ProcessLimits {
        if (threads < 1 || heapSoft < 0 || heapHard < 0 || heapWindow == null || heapWindow.isNegative() || heapWindow.isZero()) {
            throw new IllegalArgumentException("invalid limits: threads " + threads + ", heap " + heapSoft + "/" + heapHard + " per " + heapWindow);
        }
        if (heapSoft > 0 && heapHard > 0 && heapSoft > heapHard) {
            throw new IllegalArgumentException("heap soft limit " + heapSoft + " is above the hard limit " + heapHard);
        }
    }

    /** True when the allocation watchdog has something to watch for this process. */
    public boolean limitsAllocation() {
        return heapSoft > 0 || heapHard > 0;
    }

    public ProcessLimits withThreads(int n) {
        return new ProcessLimits(n, heapSoft, heapHard, heapWindow);
    }

    public ProcessLimits withHeap(long soft, long hard) {
        return new ProcessLimits(threads, soft, hard, heapWindow);
    }

    /** {@code threads 64, heap 64M/128M per 1000 ms} — for the journal and {@code ps}. */
    public String describe() {
        return "threads " + threads + ", heap " + (limitsAllocation() ? size(heapSoft) + "/" + size(heapHard) + " per " + heapWindow.toMillis() + " ms" : "unlimited");
    }

    static String size(long bytes) {
        if (bytes == 0) return "off";
        if (bytes % (1L << 30) == 0) return (bytes >> 30) + "G";
        if (bytes % (1L << 20) == 0) return (bytes >> 20) + "M";
        if (bytes % (1L << 10) == 0) return (bytes >> 10) + "K";
        return Long.toString(bytes);
    }
}
