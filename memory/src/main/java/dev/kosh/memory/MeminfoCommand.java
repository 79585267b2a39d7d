package dev.kosh.memory;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * The {@code meminfo} shell command. It has no dependency on the shell: a Gogo shell finds
 * it when the object is registered as a service with the properties
 * {@code osgi.command.scope=}{@value #SCOPE} and {@code osgi.command.function=}{@value #FUNCTION}.
 *
 * <p>Thread-safe if the supplier is (the {@link PhysicalMemory#stats()} one is).
 */
public final class MeminfoCommand {

    /** The Gogo command scope. */
    public static final String SCOPE = "kosh";
    /** The Gogo command name. */
    public static final String FUNCTION = "meminfo";

    private final Supplier<MemoryStats> stats;

    /** A command that reports whatever {@code stats} returns when it runs. */
    public MeminfoCommand(Supplier<MemoryStats> stats) {
        this.stats = Objects.requireNonNull(stats, "stats");
    }

    /** Runs the command: the current statistics as {@code /proc/meminfo}-like text. */
    public String meminfo() {
        return stats.get().format();
    }
}
