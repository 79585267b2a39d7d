package dev.kosh.kernel.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import net.openhft.chronicle.core.io.SingleThreadedChecked;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.wire.DocumentContext;
import net.openhft.chronicle.wire.WireIn;

/**
 * The journal on a Chronicle Queue in a directory. Entries are self-describing wire documents
 * ({@code boot, t, sev, src, msg}); the boot number of a new boot is one more than that of the
 * newest entry, so no separate state file can disagree with the journal.
 *
 * <p>Appends take the monitor of this object: a Chronicle appender belongs to one thread at a time,
 * and a synchronous append is what makes an entry survive {@code kill -9} (the mapped file is in
 * the page cache as soon as the document closes).
 */
public final class ChronicleJournal implements Journal {
    private final Path directory;
    private final ChronicleQueue queue;
    private final ExcerptAppender appender; // guarded by this
    private final int boot;
    private boolean closed; // guarded by this
    private volatile long appended; // written under this, read by metrics

    private ChronicleJournal(Path directory) {
        this.directory = directory;
        this.queue = ChronicleQueue.singleBuilder(directory).build();
        this.appender = queue.createAppender();
        // Chronicle binds an appender to its first thread; ours is shared under this object's
        // monitor, which gives the exclusion the check is there to enforce.
        if (appender instanceof SingleThreadedChecked checked) checked.singleThreadedCheckDisabled(true);
        this.boot = lastBoot() + 1;
    }

    /** Opens (or creates) the journal in {@code directory} and starts a new boot in it. */
    public static ChronicleJournal open(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create journal directory " + directory, e);
        }
        return new ChronicleJournal(directory);
    }

    private int lastBoot() {
        try (ExcerptTailer tailer = queue.createTailer()) {
            tailer.direction(TailerDirection.BACKWARD).toEnd();
            try (DocumentContext dc = tailer.readingDocument()) {
                if (!dc.isPresent()) return 0;
                return dc.wire().read("boot").int32();
            }
        }
    }

    @Override
    public int boot() {
        return boot;
    }

    @Override
    public void append(Severity severity, String source, String message) {
        append(severity, source, message, System.currentTimeMillis());
    }

    /** Appends an entry that happened at {@code epochMillis} (entries buffered during boot keep their time). */
    public synchronized void append(Severity severity, String source, String message, long epochMillis) {
        if (closed) return; // late messages during shutdown are dropped, not an error for the caller
        if (queue.isClosed()) {
            // Chronicle's own shutdown hook can close the queue while the kernel is still halting.
            closed = true;
            return;
        }
        try (DocumentContext dc = appender.writingDocument()) {
            dc.wire().write("boot").int32(boot)
                    .write("t").int64(epochMillis)
                    .write("sev").text(severity.name())
                    .write("src").text(source)
                    .write("msg").text(message);
        }
        appended++;
    }

    @Override
    public List<JournalEntry> read(int bootsAgo, int limit) {
        if (bootsAgo < 0 || limit <= 0) throw new IllegalArgumentException("bootsAgo >= 0 and limit > 0 required");
        int wanted = boot - bootsAgo;
        ArrayDeque<JournalEntry> newest = new ArrayDeque<>();
        try (ExcerptTailer tailer = queue.createTailer()) {
            while (true) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) break;
                    WireIn wire = dc.wire();
                    int entryBoot = wire.read("boot").int32();
                    if (entryBoot != wanted) continue;
                    newest.addLast(new JournalEntry(entryBoot,
                            Instant.ofEpochMilli(wire.read("t").int64()),
                            Severity.valueOf(wire.read("sev").text()),
                            wire.read("src").text(),
                            wire.read("msg").text()));
                    if (newest.size() > limit) newest.removeFirst();
                }
            }
        }
        return new ArrayList<>(newest);
    }

    @Override
    public long sizeBytes() {
        try (Stream<Path> files = Files.list(directory)) {
            return files.mapToLong(ChronicleJournal::sizeOf).sum();
        } catch (IOException e) {
            return -1;
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0; // a cycle file rolled away while we listed the directory
        }
    }

    @Override
    public long entriesAppended() {
        return appended;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        appender.close();
        queue.close();
    }
}
