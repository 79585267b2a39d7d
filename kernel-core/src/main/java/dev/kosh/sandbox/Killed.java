package dev.kosh.sandbox;

/**
 * The error that unwinds a thread of a killed process. Woven code cannot keep it: every exception
 * handler of a woven class starts with {@link Checkpoint#caught(Throwable)}, which rethrows it,
 * and the verifier refuses classes that name this type (so {@code catch (Killed k)} never loads).
 *
 * <p>Abstract with a protected constructor: only the kernel makes one (its process code
 * subclasses it, e.g. {@code ProcessKilled}); process code cannot subclass it because it cannot
 * name it. No stack trace is filled in, so one instance per process can be thrown many times.
 */
public abstract class Killed extends Error {
    private static final long serialVersionUID = 1L;

    protected Killed(String message) {
        super(message, null, false, false);
    }
}
