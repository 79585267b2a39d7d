package dev.kosh.api;

/** The console capability: lines a process writes appear on the system console, in order. */
public interface Console {
    void print(String text);

    default void println(String line) {
        print(line + System.lineSeparator());
    }
}
