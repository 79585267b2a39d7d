package dev.kosh.kernel.process;

import dev.kosh.api.ExitStatus;

/** The state of a process, as in the design's data model. */
public sealed interface ProcessState {

    /** Created, not yet given a CPU. */
    record Ready() implements ProcessState {}

    /** At least one of its threads is on a CPU or runnable. */
    record Running() implements ProcessState {}

    /** Every thread waits; {@code reason} is why its main thread does. */
    record Blocked(BlockReason reason) implements ProcessState {}

    /** Exited; its exit status waits for the parent to reap it. */
    record Zombie(ExitStatus status) implements ProcessState {}

    /** The word {@code ps} shows. */
    default String label() {
        return switch (this) {
            case Ready r -> "Ready";
            case Running r -> "Running";
            case Blocked b -> "Blocked(" + b.reason().label() + ")";
            case Zombie z -> "Zombie";
        };
    }

    /** The state's kind without its detail, for metrics ({@code ready, running, blocked, zombie}). */
    default String kind() {
        return switch (this) {
            case Ready r -> "ready";
            case Running r -> "running";
            case Blocked b -> "blocked";
            case Zombie z -> "zombie";
        };
    }
}
