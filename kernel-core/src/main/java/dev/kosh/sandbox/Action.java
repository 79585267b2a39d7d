package dev.kosh.sandbox;

/**
 * What a thread must do at a preemption point, as the kernel's {@link SandboxHooks} decide.
 * Switched over exhaustively by {@link Checkpoint}.
 */
public sealed interface Action {
    /** Nothing for this thread: carry on. */
    Proceed PROCEED = new Proceed();
    /** Give the CPU permit back ({@link SandboxHooks#yieldPermit}), then carry on. */
    Preempt PREEMPT = new Preempt();
    /** The process is stopped: wait in {@link SandboxHooks#awaitContinue}, then ask again. */
    Stop STOP = new Stop();

    record Proceed() implements Action {}

    record Preempt() implements Action {}

    record Stop() implements Action {}

    /** The process is killed: the thread throws {@code error} (and every handler rethrows it). */
    record Kill(Killed error) implements Action {
        public Kill {
            if (error == null) throw new IllegalArgumentException("a kill needs its error");
        }
    }
}
