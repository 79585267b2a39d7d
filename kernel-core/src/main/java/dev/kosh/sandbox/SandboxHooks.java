package dev.kosh.sandbox;

import java.util.Objects;

/**
 * How the kernel plugs into woven code. The kernel implements this once and installs it at boot
 * with {@link #install}; the returned {@link Installation} is the only way to make threads leave
 * the preemption-point fast path, so it stays with the kernel.
 *
 * <p>Threading: every method is called on the sandboxed thread itself (the argument is always
 * {@code Thread.currentThread()}), from inside woven code; implementations must not call back into
 * woven code, and should be cheap: {@link #atCheckpoint} runs at every preemption point while any
 * checkpoint request is outstanding, for every sandboxed thread.
 */
public interface SandboxHooks {

    /** What {@code current} must do now. Called only while a checkpoint request is outstanding. */
    Action atCheckpoint(Thread current);

    /** Gives the CPU permit of {@code current} back to the scheduler (may block until re-granted). */
    void yieldPermit(Thread current);

    /**
     * Blocks {@code current} while its process is stopped; returns when it is continued or killed
     * (the checkpoint then asks {@link #atCheckpoint} again, so a kill during a stop unwinds).
     */
    void awaitContinue(Thread current);

    /**
     * Run-time policy for a class named by a string (e.g. {@code Class.forName}): the reason it is
     * refused, or null if it is allowed. {@code binaryName} as in {@link Class#getName()}.
     */
    String denialForClass(String binaryName);

    /**
     * Run-time policy for a member reached reflectively: the reason it is refused, or null.
     * {@code name} is {@code <init>} for constructors; {@code descriptor} is a JVM method or field
     * descriptor.
     */
    String denialForMember(Class<?> owner, String name, String descriptor);

    /**
     * Where {@code Throwable.printStackTrace()} and {@code Thread.dumpStack()} of process code go
     * ({@link Redirect}): {@code trace} is the text they would have written to the kernel's standard
     * error. The default refuses, naming the way that works everywhere.
     */
    default void stackTrace(Thread current, String trace) {
        throw new SecurityException("printStackTrace() refused: it writes to the kernel's standard error; "
                + "print the trace to ProcessContext.console() (printStackTrace(PrintWriter))");
    }

    /**
     * Whether a thread the kernel is waiting for (one of a killed or stopped process) may still be
     * running woven code without having reached a preemption point. Asked on a kernel thread
     * ({@code kosh-checkpoint-relink}, the exception to the rule above) while a checkpoint request
     * has been outstanding for a few milliseconds: only then are the points of recursive methods,
     * which are free until a request reaches them, pointed at the slow path too, at the price of
     * deoptimizing recursive code. A thread that waits (stopped, blocked in a system call) or has
     * ended needs no such point. Must not block on a lock that {@code requestCheckpoints} callers
     * hold. The default answers yes, which is always safe.
     */
    default boolean awaitingCheckpoint() {
        return true;
    }

    /**
     * Installs the kernel's hooks. At most one installation exists at a time.
     *
     * @throws IllegalStateException if hooks are already installed
     */
    static Installation install(SandboxHooks hooks) {
        return Checkpoint.install(Objects.requireNonNull(hooks, "hooks"));
    }

    /** The kernel's handle on an installation: the capability to interrupt woven code. */
    interface Installation {
        /**
         * Makes every sandboxed thread take the slow path at its next preemption point and ask
         * {@link #atCheckpoint}. Requests nest: each must be matched by {@link #releaseCheckpoints}
         * once the kernel no longer needs threads to stop by (signal handled, process reaped).
         */
        void requestCheckpoints();

        /** Ends one {@link #requestCheckpoints} request. */
        void releaseCheckpoints();

        /** Removes the hooks (kernel shutdown, tests); woven code then runs without interruptions. */
        void uninstall();
    }
}
