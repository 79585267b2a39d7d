package dev.kosh.kernel.process;

/** Where process console output goes (the launcher's console agent). Callable from any thread. */
@FunctionalInterface
public interface ConsoleSink {
    void write(int pid, String text);
}
