package dev.kosh.kernel.journal;

/** How much a journal entry matters; {@code dmesg} marks WARN and ERROR. */
public enum Severity {
    INFO, WARN, ERROR
}
