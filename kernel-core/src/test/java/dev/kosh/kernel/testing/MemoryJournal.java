package dev.kosh.kernel.testing;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import dev.kosh.kernel.journal.Journal;
import dev.kosh.kernel.journal.JournalEntry;
import dev.kosh.kernel.journal.Severity;

/** A journal in memory, for tests that check what the kernel recorded. Thread-safe. */
public final class MemoryJournal implements Journal {
    private final List<JournalEntry> entries = new CopyOnWriteArrayList<>();

    @Override
    public int boot() {
        return 1;
    }

    @Override
    public void append(Severity severity, String source, String message) {
        entries.add(new JournalEntry(1, Instant.now(), severity, source, message));
    }

    @Override
    public List<JournalEntry> read(int bootsAgo, int limit) {
        if (bootsAgo != 0) return List.of();
        List<JournalEntry> all = List.copyOf(entries);
        return all.subList(Math.max(0, all.size() - limit), all.size());
    }

    @Override
    public long sizeBytes() {
        return entries.size() * 64L;
    }

    @Override
    public long entriesAppended() {
        return entries.size();
    }

    @Override
    public void close() {
    }

    public List<JournalEntry> entries() {
        return List.copyOf(entries);
    }

    /** True if an entry of {@code severity} from a source containing {@code source} says something containing {@code text}. */
    public boolean has(Severity severity, String source, String text) {
        return entries.stream().anyMatch(e -> e.severity() == severity && e.source().contains(source) && e.message().contains(text));
    }

    /** Every entry on its own line, for assertion messages. */
    public String dump() {
        return entries.stream().map(e -> e.severity() + " " + e.source() + ": " + e.message()).collect(Collectors.joining("\n"));
    }
}
