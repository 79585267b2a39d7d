package dev.kosh.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kosh.api.Program;
import dev.kosh.api.SysResult;
import dev.kosh.kernel.journal.Journal;
import dev.kosh.kernel.journal.JournalEntry;
import dev.kosh.kernel.journal.Severity;
import dev.kosh.kernel.process.CapabilitySet;
import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.kernel.process.Priority;
import dev.kosh.kernel.process.ProcessTable;
import dev.kosh.kernel.process.ProgramImage;

@Timeout(10)
class KernelThreadsTest {
    private final KernelThreads threads = new KernelThreads();
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicBoolean stop = new AtomicBoolean();
    private volatile Program program = ctx -> 0;
    private final ProcessTable table = new ProcessTable(threads, name -> SysResult.ok(image(name)), new NullJournal(),
            (pid, text) -> { }, Duration.ofSeconds(1));

    {
        table.createInit(CapabilitySet.NONE);
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        stop.set(true);
        table.terminateAll(Duration.ofSeconds(1));
        table.close();
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

    private KoshProcess spawn(Priority priority) {
        return table.spawn(new ProcessTable.SpawnRequest("p", List.of(), ProcessTable.INIT_PID, Set.of(), priority, null)).orThrow();
    }

    @Test
    void threadsAreUnstartedDaemonsNamedAfterTheirProcess() {
        program = ctx -> {
            release.await(5, TimeUnit.SECONDS);
            return 0;
        };
        KoshProcess p = spawn(Priority.NORMAL);
        Thread t = threads.newThread(p, "worker", () -> { });
        assertEquals("pid-" + p.pid() + "/worker", t.getName());
        assertTrue(t.isDaemon(), "a thread that will not unwind must not hold the JVM up");
        assertEquals(Thread.State.NEW, t.getState());
        assertTrue(threads.threadsCreated() >= 2);
    }

    @Test
    void processMainRunsOnAKernelThreadAtItsClassPriority() throws Exception {
        for (Priority priority : Priority.values()) {
            CompletableFuture<Thread> seen = new CompletableFuture<>();
            program = ctx -> {
                seen.complete(Thread.currentThread());
                return 0;
            };
            KoshProcess p = spawn(priority);
            Thread t = seen.get(5, TimeUnit.SECONDS);
            assertEquals("pid-" + p.pid() + "/main", t.getName());
            assertTrue(t.isDaemon());
            assertEquals(KernelThreads.javaPriority(priority), t.getPriority(), priority.name());
        }
    }

    @Test
    void priorityClassesMapToDescendingJavaPriorities() {
        assertEquals(Thread.MAX_PRIORITY, KernelThreads.javaPriority(Priority.REALTIME));
        assertEquals(Thread.MIN_PRIORITY, KernelThreads.javaPriority(Priority.BACKGROUND));
        assertEquals(Thread.NORM_PRIORITY, KernelThreads.javaPriority(Priority.NORMAL));
        Priority[] order = Priority.values();
        for (int i = 1; i < order.length; i++) {
            assertTrue(KernelThreads.javaPriority(order[i - 1]) > KernelThreads.javaPriority(order[i]), order[i].name());
        }
    }

    @Test
    void cpuTimeGrowsForASpinningThread() {
        program = ctx -> {
            while (!stop.get()) ctx.checkpoint();
            return 0;
        };
        KoshProcess p = spawn(Priority.NORMAL);
        if (!threads.cpuTimeSupported()) {
            assertEquals(-1, threads.cpuTimeNanos(p.threads().getFirst()));
            return;
        }
        Thread t = p.threads().getFirst();
        long first = threads.cpuTimeNanos(t);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (threads.cpuTimeNanos(t) <= first + 5_000_000) {
            assertTrue(System.nanoTime() < deadline, "cpu time did not grow past " + first);
            LockSupport.parkNanos(1_000_000);
        }
        assertTrue(p.cpuTime().toNanos() > first, "the process is charged for its thread");
        assertTrue(threads.currentThreadCpuTimeNanos() > 0);
    }

    @Test
    void aThreadThatEndedHasNoCpuTime() throws Exception {
        Thread t = Thread.ofPlatform().start(() -> { });
        t.join();
        assertEquals(-1, threads.cpuTimeNanos(t));
    }

    /** Drops every entry: these tests look at threads, not at the journal. */
    private static final class NullJournal implements Journal {
        public int boot() {
            return 1;
        }

        public void append(Severity severity, String source, String message) {
        }

        public List<JournalEntry> read(int bootsAgo, int limit) {
            return List.of();
        }

        public long sizeBytes() {
            return 0;
        }

        public long entriesAppended() {
            return 0;
        }

        public void close() {
        }
    }
}
