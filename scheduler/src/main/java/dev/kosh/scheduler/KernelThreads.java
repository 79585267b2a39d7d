package dev.kosh.scheduler;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.atomic.AtomicLong;

import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.kernel.process.Priority;
import dev.kosh.kernel.process.ThreadHost;

/**
 * Creates the platform threads processes run on and measures their CPU time. Thread-safe.
 *
 * <p>Threads are daemons: a process thread that will not unwind must never keep the JVM (the
 * machine) from shutting down.
 */
public final class KernelThreads implements ThreadHost {
    private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    private final boolean cpuTimeSupported;
    /** HotSpot's extension: per-thread allocation counters (null on a JVM without it). */
    private final com.sun.management.ThreadMXBean allocations;
    private final AtomicLong created = new AtomicLong();

    public KernelThreads() {
        boolean supported = mx.isThreadCpuTimeSupported();
        if (supported && !mx.isThreadCpuTimeEnabled()) mx.setThreadCpuTimeEnabled(true);
        this.cpuTimeSupported = supported;
        com.sun.management.ThreadMXBean a = mx instanceof com.sun.management.ThreadMXBean sun && sun.isThreadAllocatedMemorySupported() ? sun : null;
        if (a != null && !a.isThreadAllocatedMemoryEnabled()) a.setThreadAllocatedMemoryEnabled(true);
        this.allocations = a;
    }

    @Override
    public Thread newThread(KoshProcess owner, String name, Runnable body) {
        Thread t = Thread.ofPlatform()
                .name("pid-" + owner.pid() + "/" + name)
                .daemon(true)
                .priority(javaPriority(owner.priority()))
                .unstarted(body);
        created.incrementAndGet();
        return t;
    }

    /** Java priorities are hints to the host OS; the class-based permits come with the scheduler issue. */
    static int javaPriority(Priority p) {
        return switch (p) {
            case REALTIME -> Thread.MAX_PRIORITY;
            case INTERACTIVE -> Thread.NORM_PRIORITY + 2;
            case NORMAL -> Thread.NORM_PRIORITY;
            case BACKGROUND -> Thread.MIN_PRIORITY;
        };
    }

    @Override
    public long cpuTimeNanos(Thread thread) {
        if (!cpuTimeSupported || !thread.isAlive()) return -1;
        return mx.getThreadCpuTime(thread.threadId());
    }

    @Override
    public long currentThreadCpuTimeNanos() {
        return cpuTimeSupported ? mx.getCurrentThreadCpuTime() : -1;
    }

    @Override
    public long currentThreadAllocatedBytes() {
        return allocations == null ? -1 : allocations.getCurrentThreadAllocatedBytes();
    }

    /**
     * Bytes each thread has allocated since it started, in one call (-1 for a thread that has
     * ended or when the JVM cannot count). Any thread.
     */
    public long[] allocatedBytes(long[] threadIds) {
        if (allocations == null) {
            long[] none = new long[threadIds.length];
            java.util.Arrays.fill(none, -1);
            return none;
        }
        return allocations.getThreadAllocatedBytes(threadIds);
    }

    public boolean allocationCountingSupported() {
        return allocations != null;
    }

    /** Threads created since boot. */
    public long threadsCreated() {
        return created.get();
    }

    public boolean cpuTimeSupported() {
        return cpuTimeSupported;
    }
}
