package dev.kosh.kernel.process;

/**
 * Makes the threads processes run on, and measures them. Only the kernel creates threads for
 * processes; the scheduler module implements this.
 */
public interface ThreadHost {

    /** An unstarted thread for {@code owner}, named after it, at the owner's priority. */
    Thread newThread(KoshProcess owner, String name, Runnable body);

    /** CPU time a live thread has used, in nanoseconds, or -1 when the platform cannot say. */
    long cpuTimeNanos(Thread thread);

    /** CPU time of the calling thread, in nanoseconds, or -1. */
    long currentThreadCpuTimeNanos();

    /**
     * Bytes the calling thread has allocated on the heap since it started (cumulative: the
     * collector's frees are not subtracted), or -1 when the platform cannot say.
     */
    default long currentThreadAllocatedBytes() {
        return -1;
    }
}
