package dev.kosh.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kosh.api.ExitStatus;
import dev.kosh.api.Program;
import dev.kosh.api.SysResult;
import dev.kosh.kernel.journal.Journal;
import dev.kosh.kernel.journal.JournalEntry;
import dev.kosh.kernel.journal.Severity;
import dev.kosh.kernel.process.CapabilitySet;
import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.kernel.process.Priority;
import dev.kosh.kernel.process.ProcessLimits;
import dev.kosh.kernel.process.ProcessTable;
import dev.kosh.kernel.process.ProgramImage;

@Timeout(20)
class AllocationWatchdogTest {
    private final KernelThreads threads = new KernelThreads();
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<String> journal = new CopyOnWriteArrayList<>();
    private volatile Program program = ctx -> 0;
    private final ProcessTable table = new ProcessTable(threads, name -> SysResult.ok(image(name)), new ListJournal(),
            (pid, text) -> { }, Duration.ofSeconds(1));
    private AllocationWatchdog watchdog;

    {
        table.createInit(CapabilitySet.NONE);
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        if (watchdog != null) watchdog.close();
        table.terminateAll(Duration.ofSeconds(1));
        table.close();
    }

    private final class ListJournal implements Journal {
        public int boot() {
            return 1;
        }

        public void append(Severity severity, String source, String message) {
            journal.add(severity + " " + source + ": " + message);
        }

        public List<JournalEntry> read(int bootsAgo, int limit) {
            return List.of();
        }

        public long sizeBytes() {
            return 0;
        }

        public long entriesAppended() {
            return journal.size();
        }

        public void close() {
        }
    }

    private ProgramImage image(String name) {
        return new ProgramImage() {
            public String name() {
                return name;
            }

            public String origin() {
                return name;
            }

            public Set<String> declaredCapabilities() {
                return Set.of();
            }

            public Program instantiate() {
                return program;
            }
        };
    }

    private KoshProcess spawn() {
        return table.spawn(new ProcessTable.SpawnRequest("p", List.of(), ProcessTable.INIT_PID, Set.of(), Priority.NORMAL, null)).orThrow();
    }

    /** Allocates and keeps {@code mib} MiB, then waits to be released. */
    private static Program allocating(int mib, CountDownLatch release) {
        return ctx -> {
            byte[][] kept = new byte[mib][];
            for (int i = 0; i < mib; i++) kept[i] = new byte[1 << 20];
            release.await(10, TimeUnit.SECONDS);
            return kept.length;
        };
    }

    @Test
    void aProcessPastTheHardLimitIsKilledWithTheReason() throws Exception {
        table.useLimits(r -> ProcessLimits.DEFAULT.withHeap(0, 8L << 20));
        program = allocating(16, release);
        watchdog = new AllocationWatchdog(table, threads, Duration.ofMillis(10));
        assertTrue(watchdog.start());
        assertTrue(watchdog.start(), "starting twice is harmless");
        KoshProcess p = spawn();
        ExitStatus status = table.awaitExit(p, Duration.ofSeconds(10)).orThrow();
        assertEquals(137, status.code(), status.reason());
        assertTrue(status.reason().contains("past heap.hard 8.0 MiB"), status.reason());
        assertTrue(journal.stream().anyMatch(l -> l.startsWith("ERROR pid ") && l.contains("quota: allocated")), journal.toString());
        assertTrue(watchdog.samples() > 0 && watchdog.meanSampleNanos() > 0 && watchdog.maxSampleNanos() >= watchdog.meanSampleNanos());
    }

    @Test
    void passingTheSoftLimitSignalsOncePerWindowAndDoesNotKill() throws Exception {
        table.useLimits(r -> ProcessLimits.DEFAULT.withHeap(4L << 20, 0));
        program = allocating(8, release);
        watchdog = new AllocationWatchdog(table, threads, Duration.ofMillis(10));
        KoshProcess p = spawn();
        while (p.finishedThreadsAllocatedBytes() == 0 && threads.allocatedBytes(new long[] {p.threads().getFirst().threadId()})[0] < 8L << 20) {
            Thread.sleep(1);
        }
        long now = System.nanoTime();
        watchdog.sample(now);
        watchdog.sample(now + 1);
        assertEquals(1, journal.stream().filter(l -> l.contains("past heap.soft")).count(), journal.toString());
        assertFalse(p.killed());
        // A new window starts from what was allocated so far: the same bytes do not count again.
        watchdog.sample(now + Duration.ofSeconds(2).toNanos());
        assertEquals(1, journal.stream().filter(l -> l.contains("past heap.soft")).count(), journal.toString());
        release.countDown();
        assertEquals(8, table.awaitExit(p, Duration.ofSeconds(5)).orThrow().code());
        watchdog.sample(System.nanoTime()); // a finished process is forgotten
    }

    @Test
    void aProcessThatPassesBothLimitsBetweenTwoPassesIsSignalledThenKilled() throws Exception {
        table.useLimits(r -> ProcessLimits.DEFAULT.withHeap(2L << 20, 4L << 20));
        program = allocating(8, release);
        watchdog = new AllocationWatchdog(table, threads, Duration.ofMillis(10));
        KoshProcess p = spawn();
        while (p.finishedThreadsAllocatedBytes() == 0 && threads.allocatedBytes(new long[] {p.threads().getFirst().threadId()})[0] < 8L << 20) {
            Thread.sleep(1);
        }
        watchdog.sample(System.nanoTime()); // the first pass sees 8 MiB: past both at once
        ExitStatus status = table.awaitExit(p, Duration.ofSeconds(10)).orThrow();
        assertEquals(137, status.code(), status.reason());
        List<String> quota = journal.stream().filter(l -> l.contains("quota: allocated")).toList();
        assertEquals(2, quota.size(), journal.toString());
        assertTrue(quota.get(0).startsWith("WARN") && quota.get(0).contains("past heap.soft 2.0 MiB; signalled QUOTA"), quota.toString());
        assertTrue(quota.get(1).startsWith("ERROR") && quota.get(1).contains("past heap.hard 4.0 MiB; killed"), quota.toString());
    }

    @Test
    void processesWithoutAnAllocationLimitAreNotWatched() throws Exception {
        program = allocating(4, release);
        watchdog = new AllocationWatchdog(table, threads, Duration.ofMillis(10));
        KoshProcess p = spawn();
        watchdog.sample(System.nanoTime());
        assertFalse(p.killed());
        assertTrue(journal.stream().noneMatch(l -> l.contains("quota")), journal.toString());
    }

    @Test
    void aThreadsAllocationStaysWithItsProcessAfterTheThreadEnds() throws Exception {
        program = ctx -> {
            byte[][] kept = new byte[4][];
            ctx.startThread("worker", () -> {
                for (int i = 0; i < kept.length; i++) kept[i] = new byte[1 << 20];
            }).orThrow().join();
            release.await(10, TimeUnit.SECONDS);
            return kept.length;
        };
        KoshProcess p = spawn();
        while (p.finishedThreadsAllocatedBytes() < 4L << 20) Thread.sleep(1);
        assertTrue(p.finishedThreadsAllocatedBytes() >= 4L << 20);
    }

    @Test
    void aNonPositivePeriodIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new AllocationWatchdog(table, threads, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new AllocationWatchdog(table, threads, null));
        new AllocationWatchdog(table, threads, Duration.ofMillis(5)).close(); // closing one never started is harmless
    }

    @Test
    void allocationCountersReadInOneCall() {
        assertTrue(threads.allocationCountingSupported());
        long[] bytes = threads.allocatedBytes(new long[] {Thread.currentThread().threadId(), Long.MAX_VALUE});
        assertTrue(bytes[0] > 0);
        assertEquals(-1, bytes[1], "an unknown thread has no counter");
        assertTrue(threads.currentThreadAllocatedBytes() > 0);
    }
}
