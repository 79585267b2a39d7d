package dev.kosh.kernel.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class ChronicleJournalTest {
    @TempDir
    Path dir;

    private static List<String> messages(List<JournalEntry> entries) {
        return entries.stream().map(JournalEntry::message).toList();
    }

    @Test
    void bootNumbersIncreaseAcrossReopen() {
        for (int expected = 1; expected <= 3; expected++) {
            try (ChronicleJournal j = ChronicleJournal.open(dir.resolve("journal"))) {
                assertEquals(expected, j.boot());
                j.info("boot", "boot " + expected);
            }
        }
    }

    @Test
    void entriesSurviveCloseAndReopenAndReadSelectsOneBoot() {
        Path journal = dir.resolve("journal");
        Instant before = Instant.now().minusSeconds(1);
        try (ChronicleJournal j = ChronicleJournal.open(journal)) {
            j.info("boot", "first-1");
            j.warn("pid 2 hello", "first-2");
            j.error("init", "first-3");
            assertEquals(3, j.entriesAppended());
        }
        try (ChronicleJournal j = ChronicleJournal.open(journal)) {
            j.info("boot", "second-1");
            assertEquals(List.of("second-1"), messages(j.read(0, 100)));
            List<JournalEntry> previous = j.read(1, 100);
            assertEquals(List.of("first-1", "first-2", "first-3"), messages(previous));
            JournalEntry e = previous.get(1);
            assertEquals(1, e.boot());
            assertEquals(Severity.WARN, e.severity());
            assertEquals("pid 2 hello", e.source());
            assertTrue(!e.time().isBefore(before) && !e.time().isAfter(Instant.now()), e.time().toString());
            assertEquals(List.of(), j.read(2, 100), "no boot before the first");
            assertTrue(j.sizeBytes() > 0);
        }
    }

    @Test
    void readReturnsTheNewestLimitEntriesOldestFirst() {
        try (ChronicleJournal j = ChronicleJournal.open(dir.resolve("journal"))) {
            for (int i = 0; i < 10; i++) j.info("test", "m" + i);
            assertEquals(List.of("m7", "m8", "m9"), messages(j.read(0, 3)));
            assertEquals(10, j.read(0, 1000).size());
        }
    }

    @Test
    void readRefusesNegativeBootsAndNonPositiveLimits() {
        try (ChronicleJournal j = ChronicleJournal.open(dir.resolve("journal"))) {
            assertThrows(IllegalArgumentException.class, () -> j.read(-1, 10));
            assertThrows(IllegalArgumentException.class, () -> j.read(0, 0));
        }
    }

    @Test
    void appendsAfterCloseAreDroppedQuietly() {
        ChronicleJournal j = ChronicleJournal.open(dir.resolve("journal"));
        j.info("x", "kept");
        j.close();
        j.info("x", "late");
        j.close();
        try (ChronicleJournal again = ChronicleJournal.open(dir.resolve("journal"))) {
            assertEquals(List.of("kept"), messages(again.read(1, 10)));
        }
    }

    @Test
    void appendsFromManyThreadsAreAllKept() throws Exception {
        try (ChronicleJournal j = ChronicleJournal.open(dir.resolve("journal"))) {
            Thread[] threads = new Thread[4];
            for (int t = 0; t < threads.length; t++) {
                int id = t;
                threads[t] = Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 100; i++) j.info("t" + id, "m" + i);
                });
            }
            for (Thread t : threads) t.join();
            assertEquals(400, j.read(0, 1000).size());
            assertEquals(400, j.entriesAppended());
        }
    }

    @Test
    void formatShowsSecondsSinceBootAndMarksWarnings() {
        Instant boot = Instant.ofEpochMilli(1_000_000);
        assertEquals("[     1.500] WARN pid 3 x: slow",
                new JournalEntry(1, boot.plusMillis(1500), Severity.WARN, "pid 3 x", "slow").format(boot));
        assertEquals("[     0.000] init: up", new JournalEntry(1, boot, Severity.INFO, "init", "up").format(boot));
    }
}
