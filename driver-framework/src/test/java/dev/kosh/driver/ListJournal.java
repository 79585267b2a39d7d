package dev.kosh.driver;

import java.util.List;

import dev.kosh.kernel.journal.Journal;
import dev.kosh.kernel.journal.JournalEntry;
import dev.kosh.kernel.journal.Severity;

/** A journal for the driver tests: lines as {@code SEVERITY source: message} in a list the test reads. */
record ListJournal(List<String> lines) implements Journal {
    public int boot() {
        return 1;
    }

    public void append(Severity severity, String source, String message) {
        lines.add(severity + " " + source + ": " + message);
    }

    public List<JournalEntry> read(int bootsAgo, int limit) {
        return List.of();
    }

    public long sizeBytes() {
        return 0;
    }

    public long entriesAppended() {
        return lines.size();
    }

    public void close() {
    }
}
