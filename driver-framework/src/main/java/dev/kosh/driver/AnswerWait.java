package dev.kosh.driver;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How a caller waits for a driver's answer. A parked caller is woken by the driver's answer, and
 * on a virtual machine whose other CPU is idle that wake-up brings a halted vCPU back, which costs
 * tens of microseconds — as much as a block read at queue depth 1. So when the machine has a CPU to
 * spare (other processes use at most half a CPU less than all but one), a caller spins for an
 * answer it expects soon (twice this driver's moving-average answer time, at most
 * {@link #MAX_SPIN_NANOS}) before it parks. When the CPUs are busy it parks at once: there the
 * spinner would take the CPU the driver and the completion need (measured: docs/drivers.md), and a
 * wake-up is cheap. A driver that answers slower than the limit on average is never spun for.
 * Under the same condition an idle driver polls its channel for {@link #RECEIVE_POLL_NANOS} before
 * parking, which catches a caller's next request without waking the driver.
 *
 * <p>Thread-safe: the average is a racy volatile (a lost update skews it for one call); the CPU
 * sample is taken off the request path, by the driver manager's deadline watchdog.
 */
final class AnswerWait {
    /** The longest a caller spins. */
    static final long MAX_SPIN_NANOS = 200_000;
    /** How long an idle driver polls its channel before parking, when a CPU is spare (see {@link DriverHost}). */
    static final long RECEIVE_POLL_NANOS = 20_000;
    /** How often the machine's CPU load is sampled. */
    static final long SAMPLE_NANOS = 100_000_000;
    private static final int CPUS = Runtime.getRuntime().availableProcessors();
    private static final com.sun.management.OperatingSystemMXBean OS =
            ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os ? os : null;
    private static final AtomicLong sampledAt = new AtomicLong(System.nanoTime() - SAMPLE_NANOS);
    private static volatile boolean spareCpu;
    /** Tests set it to take the machine's load out of the decision; null: sampled. */
    static volatile Boolean spareOverride;
    /** Off (system property {@code kosh.driver.call-spin=false}): never spin, for measurements that compare both ways. */
    static volatile boolean enabled = !"false".equals(System.getProperty("kosh.driver.call-spin"));

    /** Moving average of answer times in ns (1/8 weight to the newest). */
    private volatile long averageNanos;

    /**
     * Spins until {@code reply} is done or the spin budget, counted from {@code sentAt}, is spent;
     * true if it is done. Spins only with a CPU to spare and a driver that usually answers fast.
     */
    boolean spinFor(CompletableFuture<?> reply, long sentAt) {
        return spinFor(reply, sentAt, enabled && averageNanos <= MAX_SPIN_NANOS && spareCpu());
    }

    /** As {@link #spinFor(CompletableFuture, long)}, spinning only if {@code spin}. */
    boolean spinFor(CompletableFuture<?> reply, long sentAt, boolean spin) {
        long avg = averageNanos;
        if (!spin || avg > MAX_SPIN_NANOS) return reply.isDone();
        long until = sentAt + Math.clamp(2 * avg, 20_000, MAX_SPIN_NANOS);
        while (!reply.isDone()) {
            if (System.nanoTime() - until >= 0) return false;
            Thread.onSpinWait();
        }
        return true;
    }

    /** Whether an idle driver may poll its channel briefly before parking: spinning is on and a CPU is spare. */
    static boolean mayPoll() {
        return enabled && spareCpu();
    }

    /** Records how long an answer took. */
    void answered(long nanos) {
        long avg = averageNanos;
        averageNanos = avg + (nanos - avg) / 8;
    }

    long averageNanos() {
        return averageNanos;
    }

    /** Whether other processes leave this one a CPU to spin on, as last {@link #sampleLoad sampled}. */
    static boolean spareCpu() {
        Boolean forced = spareOverride;
        return forced != null ? forced : spareCpu;
    }

    /**
     * Samples the machine's CPU load if the last sample is older than {@link #SAMPLE_NANOS}. Called
     * by the driver manager's deadline watchdog on each of its turns (it runs while any driver is
     * live), so the {@code /proc} read never lands on a caller's or a driver's request path. Until
     * the first sample nobody spins.
     */
    static void sampleLoad(long now) {
        long last = sampledAt.get();
        if (now - last >= SAMPLE_NANOS && sampledAt.compareAndSet(last, now)) spareCpu = spare(OS == null ? -1 : OS.getCpuLoad(),
                OS == null ? -1 : OS.getProcessCpuLoad(), CPUS);
    }

    /**
     * True if, with the whole machine's load {@code system} and this process's {@code own} (both
     * 0..1 of all {@code cpus}; negative: unknown), the other processes use at most {@code cpus - 1.5}
     * CPUs: one CPU for the spinner and half of one for the rest of this process.
     */
    static boolean spare(double system, double own, int cpus) {
        if (cpus < 2 || system < 0 || own < 0) return false;
        return (system - own) * cpus <= cpus - 1.5;
    }
}
