package dev.kosh.kernel.boot;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import dev.kosh.kernel.journal.Journal;

/**
 * Runs boot phases in the given order, printing one line per phase and journaling it. Stops at
 * the first essential phase that fails; a non-essential failure is reported and the boot goes on.
 * Runs on the launcher's thread; not thread-safe.
 */
public final class BootSequence {
    private final PrintStream out;
    private final Journal journal;
    private final Consumer<PhaseResult> observer;

    /** {@code observer} sees each result (metrics record phase timings there). */
    public BootSequence(PrintStream out, Journal journal, Consumer<PhaseResult> observer) {
        this.out = out;
        this.journal = journal;
        this.observer = observer;
    }

    /** The outcome of the boot: every phase that ran, in order. */
    public record Outcome(List<PhaseResult> phases, boolean ok) {
        public Outcome {
            phases = List.copyOf(phases);
        }
    }

    public Outcome run(List<BootPhase> phases) {
        List<PhaseResult> results = new ArrayList<>();
        for (BootPhase phase : phases) {
            long t0 = System.nanoTime();
            PhaseResult result;
            try {
                String detail = phase.start();
                result = new PhaseResult(phase.name(), true, phase.essential(), Duration.ofNanos(System.nanoTime() - t0), detail);
            } catch (Exception | LinkageError e) {
                String reason = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
                result = new PhaseResult(phase.name(), false, phase.essential(), Duration.ofNanos(System.nanoTime() - t0), reason);
            }
            results.add(result);
            out.println(result.line());
            if (result.ok()) {
                journal.info("boot", result.line());
            } else {
                journal.error("boot", result.line());
            }
            observer.accept(result);
            if (!result.ok() && phase.essential()) {
                out.println("kosh: boot stopped: essential phase '" + phase.name() + "' failed");
                journal.error("boot", "boot stopped: essential phase '" + phase.name() + "' failed");
                return new Outcome(results, false);
            }
        }
        return new Outcome(results, true);
    }
}
