package dev.kosh.driver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import net.openhft.chronicle.core.io.SingleThreadedChecked;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
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
 * <p>Retention: the queue rolls to a new cycle file every so often (a quarter of the retention,
 * between 5 minutes and a day), and when it rolls, cycle files that ended longer than the retention
 * ago are deleted — unless a request still in flight was journaled in them or after them: nothing
 * unacknowledged is ever deleted. So a long-running driver's log stays bounded (about the retention
 * plus one cycle of requests), and the scan when a driver's log is first opened in a boot reads
 * only what was retained, not the whole history.
 *
 * <p>Threading: a {@link Log} is used by one driver instance at a time (dispatch and completion on
 * its thread, the scan on the exit hook's after it died); its methods are synchronized anyway,
 * because a killed instance's thread may still be unwinding when its successor starts.
 */
public final class RequestJournal implements AutoCloseable {
    private static final byte ACCEPTED = 1;
    private static final byte COMPLETED = 2;

    /** How long completed requests are kept when nobody says otherwise. */
    public static final Duration DEFAULT_RETENTION = Duration.ofHours(1);
    /** The roll cycles a log may use, shortest first. */
    private static final List<RollCycles> CYCLES = List.of(RollCycles.FIVE_MINUTELY, RollCycles.TEN_MINUTELY,
            RollCycles.TWENTY_MINUTELY, RollCycles.HALF_HOURLY, RollCycles.FAST_HOURLY, RollCycles.TWO_HOURLY,
            RollCycles.FOUR_HOURLY, RollCycles.SIX_HOURLY, RollCycles.FAST_DAILY);

    private final Path directory;
    private final Duration retention;
    private final TimeProvider clock;
    private final ConcurrentHashMap<String, Log> logs = new ConcurrentHashMap<>();

    private RequestJournal(Path directory, Duration retention, TimeProvider clock) {
        this.directory = directory;
        this.retention = retention;
        this.clock = clock;
    }

    /** A request journal in {@code directory} (created if needed), one sub-directory per driver, keeping {@link #DEFAULT_RETENTION}. */
    public static RequestJournal open(Path directory) {
        return open(directory, DEFAULT_RETENTION);
    }

    /**
     * A request journal in {@code directory} whose logs delete cycles of completed requests once
     * they are older than {@code retention} (at least 5 minutes: the shortest cycle).
     *
     * @throws IllegalArgumentException if {@code retention} is null or under 5 minutes
     */
    public static RequestJournal open(Path directory, Duration retention) {
        return open(directory, retention, SystemTimeProvider.INSTANCE);
    }

    /** As {@link #open(Path, Duration)}, with the queue's clock given (tests move it on). */
    static RequestJournal open(Path directory, Duration retention, TimeProvider clock) {
        if (retention == null || retention.compareTo(minimumRetention()) < 0) {
            throw new IllegalArgumentException("request journal retention " + retention + " is under the shortest cycle, "
                    + minimumRetention().toMinutes() + " minutes");
        }
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the request journal directory " + directory, e);
        }
        return new RequestJournal(directory, retention, clock);
    }

    /** The shortest retention a journal takes: one cycle. */
    public static Duration minimumRetention() {
        return Duration.ofMillis(CYCLES.getFirst().lengthInMillis());
    }

    /** The retention this journal keeps. */
    public Duration retention() {
        return retention;
    }

    /** The roll cycle for a retention: the longest of at most a quarter of it (the shortest there is, for short ones). */
    static RollCycle cycleFor(Duration retention) {
        RollCycle chosen = CYCLES.getFirst();
        for (RollCycles c : CYCLES) if (c.lengthInMillis() * 4L <= retention.toMillis()) chosen = c;
        return chosen;
    }

    /** The log of driver {@code name}, opened on first use and kept until the journal is closed. */
    Log log(String name) {
        return logs.computeIfAbsent(name, n -> new Log(ChronicleQueue.singleBuilder(directory.resolve(n))
                .rollCycle(cycleFor(retention)).timeProvider(clock).build(), retention, clock));
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
        private final SingleChronicleQueue queue;
        private final ExcerptAppender appender; // guarded by this
        private final Duration retention;
        private final TimeProvider clock;
        private final RollCycle rollCycle;
        private final DateTimeFormatter cycleNames;
        /** The index of the last document {@link #unfinished} read; 0 before the first scan. Guarded by this. */
        private long scanned;
        /**
         * Requests journaled and not yet completed, by sequence number: retention never deletes the
         * cycle of the oldest, nor any after it. Leftovers of an earlier run are read back and
         * completed when the log is first scanned, so this holds everything still owed. Guarded by this.
         */
        private final TreeSet<Long> open = new TreeSet<>();
        /** The cycle the last retention pass ran in; it runs again when the queue rolls. Guarded by this. */
        private int prunedInCycle = Integer.MIN_VALUE;
        /** Cycle files deleted by retention so far. Guarded by this. */
        private long cyclesDeleted;
        /** Why the last retention pass failed, until {@link #takePruneProblem}; null if it did not. Guarded by this. */
        private String pruneProblem;

        private Log(ChronicleQueue queue, Duration retention, TimeProvider clock) {
            this.queue = (SingleChronicleQueue) queue;
            this.retention = retention;
            this.clock = clock;
            this.rollCycle = this.queue.rollCycle();
            this.cycleNames = DateTimeFormatter.ofPattern(rollCycle.format()).withZone(ZoneOffset.UTC);
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
            long seq = appender.lastIndexAppended();
            open.add(seq);
            if (rollCycle.toCycle(seq) != prunedInCycle) prune();
            return seq;
        }

        /** Marks request {@code seq} completed: answered, or taken over by the manager after its instance died. */
        synchronized void completed(long seq) {
            try (DocumentContext dc = appender.writingDocument()) {
                dc.wire().write("k").int8(COMPLETED).write("seq").int64(seq);
            }
            open.remove(seq);
        }

        /**
         * Deletes the cycle files that ended more than the retention ago and hold no request still
         * in flight (nor come after the cycle of one), and are not the newest; how many it deleted.
         * Runs when the queue rolls to a new cycle, and when the log is first scanned. Never throws:
         * journaling a request must not fail because an old file could not be deleted; the problem
         * is kept for {@link #takePruneProblem} and the file is tried again at the next roll.
         */
        synchronized int prune() {
            prunedInCycle = queue.cycle();
            long before = cyclesDeleted;
            try {
                deleteAged();
            } catch (IOException | RuntimeException e) {
                pruneProblem = "cannot delete old request journal cycles: " + e;
            } finally {
                if (cyclesDeleted > before) queue.refreshDirectoryListing();
            }
            return (int) (cyclesDeleted - before);
        }

        /** What went wrong in the last retention pass that failed, once; null if nothing did since the last call. */
        synchronized String takePruneProblem() {
            String p = pruneProblem;
            pruneProblem = null;
            return p;
        }

        private void deleteAged() throws IOException {
            // The newest file is the one the appender writes (or will end when it rolls): always kept.
            int newest = queue.lastCycle();
            int keepFrom = open.isEmpty() ? newest : Math.min(newest, rollCycle.toCycle(open.first()));
            long cutoff = clock.currentTimeMillis() - retention.toMillis();
            int first = queue.firstCycle();
            if (first == Integer.MAX_VALUE || first >= keepFrom) return; // no files, or none before the kept ones
            for (long cycle : queue.listCyclesBetween(first, queue.lastCycle())) {
                if (cycle >= keepFrom) break;
                long end = (cycle + 1) * rollCycle.lengthInMillis() + queue.epoch();
                if (end > cutoff) break; // the cycles are in order: the later ones are younger still
                if (Files.deleteIfExists(cycleFile((int) cycle))) cyclesDeleted++;
            }
        }

        /** The file of cycle {@code cycle}, named as Chronicle names it. */
        Path cycleFile(int cycle) {
            String name = cycleNames.format(Instant.ofEpochMilli((long) cycle * rollCycle.lengthInMillis() + queue.epoch()));
            return queue.file().toPath().resolve(name + SingleChronicleQueue.SUFFIX);
        }

        /** The cycle files the log holds now, oldest first. */
        synchronized List<Path> cycleFiles() {
            if (queue.firstCycle() == Integer.MAX_VALUE) return List.of();
            return queue.listCyclesBetween(queue.firstCycle(), queue.lastCycle()).stream()
                    .map(c -> cycleFile(c.intValue())).filter(Files::exists).toList();
        }

        /** Cycle files deleted by retention since the log was opened. */
        synchronized long cyclesDeleted() {
            return cyclesDeleted;
        }

        /**
         * The requests journaled since the last scan and not completed, oldest first, read back
         * from the queue. Each is completed here: from now on the caller of this method owns it
         * (replays it, which journals it anew, or answers it).
         */
        synchronized List<Entry> unfinished() {
            boolean first = scanned == 0;
            List<Entry> out = scan(scanned, true);
            for (Entry e : out) completed(e.seq());
            // The first scan read what the last run retained (leftovers included, now completed and
            // reported by the caller): what has aged past the retention since can go.
            if (first) prune();
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
