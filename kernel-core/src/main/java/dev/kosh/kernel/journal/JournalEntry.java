package dev.kosh.kernel.journal;

import java.time.Instant;

/**
 * One journal entry. {@code source} names the subsystem or process ({@code boot}, {@code init},
 * {@code pid 7 hello}, {@code deploy}).
 */
public record JournalEntry(int boot, Instant time, Severity severity, String source, String message) {

    /** The line {@code dmesg} prints. */
    public String format(Instant bootTime) {
        double seconds = (time.toEpochMilli() - bootTime.toEpochMilli()) / 1000.0;
        String mark = severity == Severity.INFO ? "" : severity + " ";
        return String.format(java.util.Locale.ROOT, "[%10.3f] %s%s: %s", seconds, mark, source, message);
    }
}
