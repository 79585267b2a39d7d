package dev.kosh.kernel.process;

import dev.kosh.sandbox.Killed;

/**
 * Thrown at a kernel entry point or a preemption point of a process that was killed, to unwind
 * its thread. A {@link Killed}: woven code cannot catch it (every handler rethrows it) and
 * ordinary {@code catch (Exception e)} does not see it.
 */
public final class ProcessKilled extends Killed {
    private static final long serialVersionUID = 1L;

    public ProcessKilled(int pid) {
        super("process " + pid + " was killed");
    }
}
