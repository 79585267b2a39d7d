package dev.kosh.driver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import net.openhft.chronicle.core.io.SingleThreadedChecked;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;
import net.openhft.chronicle.wire.WireIn;

import dev.kosh.driver.api.DriverRequest;

/**
 * The write-ahead journal of driver requests, on Chronicle Queue: one queue per driver under a
 * directory. A driver instance journals each request (operation, idempotent flag, payload) before
 * it hands it to the driver, and marks it completed when its answer goes out. When an instance
 * dies, the manager reads back what was journaled and not completed: that, not a copy kept in
 * memory, is what the next instance is given (idempotent requests) or answered RESTARTED for. The
 * caller's reply handle is the only thing that stays in memory: callers live in this JVM.
 *
 * <p>Durable once a call returns (the document is in the mapped file), so a request dispatched
 * when the whole kernel died is found again when the driver's log is next opened, and reported.
 *
 * <p>Threading: a {@link Log} is used by one driver instance at a time (dispatch and completion on
 * its thread, the scan on the exit hook's after it died); its methods are synchronized anyway,
 * because a killed instance's thread may still be unwinding when its successor starts.
 */
public final class RequestJournal implements AutoCloseable {
    private static final byte ACCEPTED = 1;
    private static final byte COMPLETED = 2;

    private final Path directory;
    private final ConcurrentHashMap<String, Log> logs = new ConcurrentHashMap<>();

    private RequestJournal(Path directory) {
        this.directory = directory;
    }

    /** A request journal in {@code directory} (created if needed), one sub-directory per driver. */
    public static RequestJournal open(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the request journal directory " + directory, e);
        }
        return new RequestJournal(directory);
    }

    /** The log of driver {@code name}, opened on first use and kept until the journal is closed. */
    Log log(String name) {
        return logs.computeIfAbsent(name, n -> new Log(ChronicleQueue.singleBuilder(directory.resolve(n)).build()));
    }

    @Override
    public void close() {
        logs.values().forEach(Log::close);
        logs.clear();
    }

    /** A request journaled and not completed: its sequence number (its queue index) and what was dispatched. */
    record Entry(long seq, DriverRequest request) {}

    /** One driver's log. */
    static final class Log {
        private final ChronicleQueue queue;
        private final ExcerptAppender appender; // guarded by this
        /** The index of the last document {@link #unfinished} read; 0 before the first scan. Guarded by this. */
        private long scanned;

        private Log(ChronicleQueue queue) {
            this.queue = queue;
            this.appender = queue.createAppender();
            // Successive instances run on different threads, one at a time (and under this monitor).
            if (appender instanceof SingleThreadedChecked checked) checked.singleThreadedCheckDisabled(true);
        }

        /** Journals {@code request} before it is dispatched; its sequence number. */
        synchronized long accepted(DriverRequest request) {
            try (DocumentContext dc = appender.writingDocument()) {
                dc.wire().write("k").int8(ACCEPTED)
                        .write("op").text(request.operation())
                        .write("idem").bool(request.idempotent())
                        .write("p").bytes(request.payload());
            }
            return appender.lastIndexAppended();
        }

        /** Marks request {@code seq} completed: answered, or taken over by the manager after its instance died. */
        synchronized void completed(long seq) {
            try (DocumentContext dc = appender.writingDocument()) {
                dc.wire().write("k").int8(COMPLETED).write("seq").int64(seq);
            }
        }

        /**
         * The requests journaled since the last scan and not completed, oldest first, read back
         * from the queue. Each is completed here: from now on the caller of this method owns it
         * (replays it, which journals it anew, or answers it).
         */
        synchronized List<Entry> unfinished() {
            List<Entry> out = scan(scanned, true);
            for (Entry e : out) completed(e.seq());
            // The completions just written need not be read again.
            if (!out.isEmpty()) scanned = appender.lastIndexAppended();
            return out;
        }

        /**
         * What the whole log holds journaled and not completed, without taking it over (for
         * inspection: a later {@link #unfinished} still returns it).
         */
        synchronized List<Entry> open() {
            return scan(0, false);
        }

        /** The requests journaled after index {@code from} and not completed; moves {@link #scanned} if {@code advance}. */
        private List<Entry> scan(long from, boolean advance) {
            Map<Long, Entry> open = new LinkedHashMap<>();
            try (ExcerptTailer tailer = queue.createTailer()) {
                if (tailer instanceof SingleThreadedChecked checked) checked.singleThreadedCheckDisabled(true);
                boolean skipFirst = from != 0 && tailer.moveToIndex(from);
                while (true) {
                    try (DocumentContext dc = tailer.readingDocument()) {
                        if (!dc.isPresent()) break;
                        if (skipFirst) {
                            skipFirst = false;
                            continue;
                        }
                        if (advance) scanned = dc.index();
                        WireIn wire = dc.wire();
                        byte kind = wire.read("k").int8();
                        if (kind == ACCEPTED) {
                            String op = wire.read("op").text();
                            boolean idempotent = wire.read("idem").bool();
                            byte[] payload = wire.read("p").bytes();
                            open.put(dc.index(), new Entry(dc.index(), new DriverRequest(op, payload, idempotent)));
                        } else if (kind == COMPLETED) {
                            open.remove(wire.read("seq").int64());
                        }
                    }
                }
            }
            return new ArrayList<>(open.values());
        }

        private synchronized void close() {
            appender.close();
            queue.close();
        }
    }
}
