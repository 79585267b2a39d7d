package dev.kosh.kernel.journal;

import java.util.List;

/**
 * The kernel journal. Every method may be called from any thread.
 */
public interface Journal extends AutoCloseable {

    /** The number of this boot: 1 for the first boot of a data directory, then one more each boot. */
    int boot();

    /** Appends an entry stamped with this boot and the current time; durable once this returns. */
    void append(Severity severity, String source, String message);

    default void info(String source, String message) {
        append(Severity.INFO, source, message);
    }

    default void warn(String source, String message) {
        append(Severity.WARN, source, message);
    }

    default void error(String source, String message) {
        append(Severity.ERROR, source, message);
    }

    /**
     * The entries of an earlier boot: {@code bootsAgo} 0 is this boot, 1 the previous one.
     * The newest {@code limit} entries, oldest first.
     */
    List<JournalEntry> read(int bootsAgo, int limit);

    /**
     * Nominal bytes of the journal's files. Chronicle files are sparse and pre-sized, so this grows
     * in steps of a cycle file, not per entry; {@link #entriesAppended()} counts entries.
     */
    long sizeBytes();

    /** Entries appended since this journal was opened. */
    long entriesAppended();

    @Override
    void close();
}
