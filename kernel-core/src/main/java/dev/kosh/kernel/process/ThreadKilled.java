package dev.kosh.kernel.process;

import dev.kosh.sandbox.Killed;

/**
 * Thrown at a kernel entry point or a preemption point of one thread that was killed by its thread
 * capability ({@code signal(threadHandle, KILL)}, like {@code pthread_cancel}), to unwind that
 * thread alone; the rest of the process goes on. A {@link Killed}: woven code cannot catch it.
 */
public final class ThreadKilled extends Killed {
    private static final long serialVersionUID = 1L;

    public ThreadKilled(int pid, String thread) {
        super("thread " + thread + " of process " + pid + " was killed");
    }
}
