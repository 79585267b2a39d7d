package dev.kosh.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.RollCycles;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.kosh.driver.api.DriverRequest;

/**
 * Retention of the request journal: cycles of completed requests older than the retention are
 * deleted when the queue rolls, a request in flight keeps its cycle (and all later ones), and a log
 * reopened after a long stop still reads back what was in flight before it deletes anything.
 * Time is the queue's clock, moved on by the test.
 */
@Timeout(60)
class RequestJournalRetentionTest {
    private static final Duration RETENTION = Duration.ofMinutes(20); // 5-minute cycles
    private static final long CYCLE_MS = Duration.ofMinutes(5).toMillis();
    private static final Instant START = Instant.parse("2026-11-25T10:00:00Z");

    @TempDir
    Path dir;

    private static DriverRequest request(int i, boolean idempotent) {
        return new DriverRequest("write", new byte[] {(byte) i, (byte) (i >> 8)}, idempotent);
    }

    private static List<Path> files(Path queueDir) throws IOException {
        try (var s = Files.list(queueDir)) {
            return s.filter(p -> p.toString().endsWith(".cq4")).sorted().toList();
        }
    }

    @Test
    void cyclesOfCompletedRequestsOlderThanTheRetentionAreDeletedAsTheQueueRolls() throws IOException {
        SetTimeProvider clock = new SetTimeProvider(START);
        try (RequestJournal j = RequestJournal.open(dir, RETENTION, clock)) {
            RequestJournal.Log log = j.log("disk");
            // Four hours of traffic, a request a minute, each answered: 48 cycles written.
            for (int minute = 0; minute < 240; minute++) {
                log.completed(log.accepted(request(minute, true)));
                clock.advanceMillis(60_000);
            }
            List<Path> left = files(dir.resolve("disk"));
            // The retention (4 cycles) plus the one being written, and the one that ended within the last cycle.
            assertTrue(left.size() <= RETENTION.toMillis() / CYCLE_MS + 2, "files kept: " + left);
            assertTrue(log.cyclesDeleted() >= 48 - left.size() - 1, "deleted " + log.cyclesDeleted() + ", kept " + left);
            assertEquals(left, log.cycleFiles(), "the log's view of its files is the directory's");
            assertTrue(log.unfinished().isEmpty(), "everything was answered: nothing to replay");
            // Still a working log after the deletions.
            long seq = log.accepted(request(7, false));
            List<RequestJournal.Entry> open = log.unfinished();
            assertEquals(List.of(seq), open.stream().map(RequestJournal.Entry::seq).toList());
        }
    }

    @Test
    void aRequestInFlightKeepsItsCycleAndEveryLaterOneUntilItIsCompleted() throws IOException {
        SetTimeProvider clock = new SetTimeProvider(START);
        try (RequestJournal j = RequestJournal.open(dir, RETENTION, clock)) {
            RequestJournal.Log log = j.log("disk");
            long stuck = log.accepted(request(1, true)); // dispatched and never answered
            Path stuckFile = log.cycleFile(RollCycles.FIVE_MINUTELY.toCycle(stuck));
            for (int minute = 0; minute < 120; minute++) {
                clock.advanceMillis(60_000);
                log.completed(log.accepted(request(minute, true)));
            }
            assertTrue(Files.exists(stuckFile), "the cycle of a request in flight is never deleted");
            assertEquals(0, log.cyclesDeleted(), "nor any after it: " + files(dir.resolve("disk")));
            List<RequestJournal.Entry> open = log.unfinished(); // its instance died: the manager takes it over
            assertEquals(List.of(stuck), open.stream().map(RequestJournal.Entry::seq).toList());
            assertArrayEquals(request(1, true).payload(), open.get(0).request().payload());
            // Taken over (completed): at the next roll the old cycles go.
            clock.advanceMillis(CYCLE_MS);
            log.completed(log.accepted(request(2, true)));
            assertFalse(Files.exists(stuckFile), "completed and past the retention: deleted");
            assertTrue(files(dir.resolve("disk")).size() <= RETENTION.toMillis() / CYCLE_MS + 2, "kept: " + files(dir.resolve("disk")));
        }
    }

    @Test
    void aLogReopenedAfterALongStopReadsBackWhatWasInFlightBeforeDeletingOldCycles() throws IOException {
        SetTimeProvider clock = new SetTimeProvider(START);
        long stuck;
        try (RequestJournal j = RequestJournal.open(dir, RETENTION, clock)) {
            RequestJournal.Log log = j.log("disk");
            for (int i = 0; i < 10; i++) log.completed(log.accepted(request(i, true)));
            stuck = log.accepted(request(99, false)); // the kernel stops with this one in flight
        }
        clock.advanceMillis(Duration.ofDays(2).toMillis());
        try (RequestJournal j = RequestJournal.open(dir, RETENTION, clock)) {
            RequestJournal.Log log = j.log("disk");
            List<RequestJournal.Entry> left = log.unfinished();
            assertEquals(List.of(stuck), left.stream().map(RequestJournal.Entry::seq).toList(), "the leftover is read back, not deleted unread");
            assertArrayEquals(request(99, false).payload(), left.get(0).request().payload());
            // Reported and completed: the two-day-old cycle is past the retention and goes.
            assertEquals(1, log.cyclesDeleted());
            log.completed(log.accepted(request(100, true)));
            assertTrue(log.unfinished().isEmpty());
        }
    }

    @Test
    void aCycleThatCannotBeDeletedIsReportedOnceAndTriedAgainAtTheNextRoll() throws IOException {
        SetTimeProvider clock = new SetTimeProvider(START);
        try (RequestJournal j = RequestJournal.open(dir, RETENTION, clock)) {
            RequestJournal.Log log = j.log("disk");
            long first = log.accepted(request(0, true));
            log.completed(first);
            Path oldest = log.cycleFile(RollCycles.FIVE_MINUTELY.toCycle(first));
            clock.advanceMillis(CYCLE_MS);
            log.completed(log.accepted(request(1, true)));
            // Something the journal cannot delete stands where the oldest cycle was.
            Files.delete(oldest);
            Files.createDirectories(oldest.resolve("in-the-way"));
            clock.advanceMillis(RETENTION.toMillis() + CYCLE_MS);
            long seq = log.accepted(request(2, true)); // journaling goes on
            String problem = log.takePruneProblem();
            assertTrue(problem != null && problem.contains("cannot delete"), String.valueOf(problem));
            assertEquals(null, log.takePruneProblem(), "reported once");
            log.completed(seq);
            Files.delete(oldest.resolve("in-the-way"));
            Files.delete(oldest);
            clock.advanceMillis(CYCLE_MS);
            log.completed(log.accepted(request(3, true)));
            assertEquals(null, log.takePruneProblem());
            assertTrue(log.cycleFiles().size() <= 2, "kept " + log.cycleFiles());
        }
    }

    @Test
    void theRollCycleIsAQuarterOfTheRetentionAndARetentionUnderOneCycleIsRefused() {
        assertEquals(RollCycles.FIVE_MINUTELY, RequestJournal.cycleFor(Duration.ofMinutes(5)));
        assertEquals(RollCycles.FIVE_MINUTELY, RequestJournal.cycleFor(Duration.ofMinutes(20)));
        assertEquals(RollCycles.FAST_HOURLY, RequestJournal.cycleFor(Duration.ofHours(4)));
        assertEquals(RollCycles.TEN_MINUTELY, RequestJournal.cycleFor(RequestJournal.DEFAULT_RETENTION));
        assertEquals(RollCycles.FAST_DAILY, RequestJournal.cycleFor(Duration.ofDays(30)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RequestJournal.open(dir, Duration.ofMinutes(4)));
        assertTrue(e.getMessage().contains("5 minutes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RequestJournal.open(dir, null));
        try (RequestJournal j = RequestJournal.open(dir)) {
            assertEquals(RequestJournal.DEFAULT_RETENTION, j.retention());
        }
    }

    /**
     * Against a model, for any interleaving of dispatches, answers and the passing of time over
     * hours: every request dispatched and not answered is read back with its payload (retention
     * never deletes one), and the files kept are bounded by the retention once nothing is open.
     */
    @Test
    void retentionNeverLosesARequestInFlight() {
        AtomicInteger run = new AtomicInteger();
        qt().withExamples(25).withShrinkCycles(20)
                .forAll(lists().of(integers().between(0, 9)).ofSizeBetween(1, 120))
                .checkAssert(ops -> {
                    Path d = dir.resolve("run" + run.incrementAndGet());
                    SetTimeProvider clock = new SetTimeProvider(START);
                    try (RequestJournal j = RequestJournal.open(d, RETENTION, clock)) {
                        RequestJournal.Log log = j.log("disk");
                        Map<Long, byte[]> inFlight = new LinkedHashMap<>();
                        List<Long> order = new ArrayList<>();
                        int n = 0;
                        for (int op : ops) {
                            if (op <= 3) { // dispatch
                                DriverRequest r = request(n++, op % 2 == 0);
                                long seq = log.accepted(r);
                                inFlight.put(seq, r.payload());
                                order.add(seq);
                            } else if (op <= 6) { // answer the oldest, or the newest
                                if (order.isEmpty()) continue;
                                long seq = op == 4 ? order.removeFirst() : order.removeLast();
                                log.completed(seq);
                                inFlight.remove(seq);
                            } else { // minutes to hours pass (never backwards: a queue's clock does not)
                                clock.advanceMillis(op == 9 ? Duration.ofHours(3).toMillis() : (op - 6) * 7 * 60_000L);
                            }
                        }
                        List<RequestJournal.Entry> open = log.unfinished();
                        assertEquals(List.copyOf(inFlight.keySet()), open.stream().map(RequestJournal.Entry::seq).toList());
                        for (RequestJournal.Entry e : open) assertArrayEquals(inFlight.get(e.seq()), e.request().payload());
                        // Everything is completed now: a roll past the retention leaves a bounded log.
                        clock.advanceMillis(RETENTION.toMillis() + CYCLE_MS);
                        log.completed(log.accepted(request(0, true)));
                        assertTrue(log.cycleFiles().size() <= RETENTION.toMillis() / CYCLE_MS + 2, "kept " + log.cycleFiles());
                    }
                });
    }
}
