package dev.kosh.kernel.process;

/**
 * Thrown at a kernel entry point of a process that was killed, to unwind its thread. An
 * {@link Error}, so ordinary {@code catch (Exception e)} in programs does not swallow it.
 * (The isolation work forbids handlers that would catch it at all.)
 */
public final class ProcessKilled extends Error {
    private static final long serialVersionUID = 1L;

    public ProcessKilled(int pid) {
        super("process " + pid + " was killed", null, false, false);
    }
}
