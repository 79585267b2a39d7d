package dev.kosh.kernel.journal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The journal while it is being opened. Opening Chronicle Queue costs a few hundred milliseconds
 * of class loading on a cold JVM, so the kernel opens it on a thread of its own, in parallel with
 * the first boot phases, and entries appended meanwhile wait here, in order and with their own
 * time, until {@link #awaitOpen()} writes them out. After that every call goes straight through.
 *
 * <p>The price: entries of the first few hundred milliseconds of a boot are in memory only until
 * the journal is open; a crash inside that window loses them (and nothing later).
 *
 * <p>Thread-safe: the buffer is guarded by this object's monitor.
 */
public final class BootJournal implements Journal {
    private record Pending(Severity severity, String source, String message, long epochMillis) {}

    private final CompletableFuture<ChronicleJournal> opening;
    private final List<Pending> pending = new ArrayList<>(); // guarded by this
    private volatile ChronicleJournal open;

    private BootJournal(CompletableFuture<ChronicleJournal> opening) {
        this.opening = opening;
    }

    /** Starts opening the journal in {@code directory} on a new thread. */
    public static BootJournal openInBackground(Path directory) {
        CompletableFuture<ChronicleJournal> f = new CompletableFuture<>();
        Thread.ofPlatform().name("kosh-journal-open").daemon(true).start(() -> {
            try {
                f.complete(ChronicleJournal.open(directory));
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return new BootJournal(f);
    }

    /** Waits until the journal is open and writes out what was appended meanwhile. */
    public synchronized ChronicleJournal awaitOpen() throws InterruptedException {
        if (open != null) return open;
        ChronicleJournal j;
        try {
            j = opening.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot open the journal: " + e.getCause(), e.getCause());
        }
        for (Pending p : pending) j.append(p.severity(), p.source(), p.message(), p.epochMillis());
        pending.clear();
        open = j;
        return j;
    }

    private ChronicleJournal openOrWait() {
        ChronicleJournal j = open;
        if (j != null) return j;
        try {
            return awaitOpen();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the journal was opening", e);
        }
    }

    @Override
    public int boot() {
        return openOrWait().boot();
    }

    @Override
    public void append(Severity severity, String source, String message) {
        ChronicleJournal j = open;
        if (j != null) {
            j.append(severity, source, message);
            return;
        }
        synchronized (this) {
            if (open == null) {
                pending.add(new Pending(severity, source, message, System.currentTimeMillis()));
                return;
            }
        }
        open.append(severity, source, message);
    }

    @Override
    public List<JournalEntry> read(int bootsAgo, int limit) {
        return openOrWait().read(bootsAgo, limit);
    }

    @Override
    public long sizeBytes() {
        ChronicleJournal j = open;
        return j == null ? 0 : j.sizeBytes();
    }

    @Override
    public long entriesAppended() {
        ChronicleJournal j = open;
        return j == null ? 0 : j.entriesAppended();
    }

    /** Writes out anything still buffered (waiting for the open if need be), then closes. */
    @Override
    public void close() {
        try {
            awaitOpen().close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IllegalStateException cannotOpen) {
            // nothing was ever durable; the boot already reported why
        }
    }
}
