package dev.kosh.api;

/**
 * The entry point of a Kosh program. A bundle names its implementation in the
 * {@code Kosh-Main} manifest header; the kernel creates one instance per process and calls
 * {@link #main} on a thread it created for that process.
 *
 * <p>The returned value is the process's exit code (0 = success). An exception that escapes
 * {@code main} ends the process with exit code 1 and is recorded in the kernel journal.
 */
@FunctionalInterface
public interface Program {
    int main(ProcessContext context) throws Exception;
}
