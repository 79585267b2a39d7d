package dev.kosh.kernel.process;

import static dev.kosh.kernel.testing.TestKernel.exitOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kosh.api.Errno;
import dev.kosh.api.ExitStatus;
import dev.kosh.api.Signal;
import dev.kosh.api.SysResult;
import dev.kosh.kernel.journal.Severity;
import dev.kosh.kernel.testing.TestKernel;

/** Quotas on the process table: thread quota per process, the QUOTA signal, kills that say why. */
@Timeout(10)
class QuotaTest {
    private final TestKernel kernel = new TestKernel();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        release.countDown();
        kernel.close();
    }

    private void idle() {
        try {
            release.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void theLimitsPolicyGivesEachProcessItsThreadQuota() throws Exception {
        kernel.table.useLimits(r -> ProcessLimits.DEFAULT.withThreads(r.program().equals("small") ? 3 : 64));
        AtomicInteger refusedAt = new AtomicInteger();
        kernel.programs.add("small", Set.of(), ctx -> {
            for (int i = 1; ; i++) {
                if (ctx.startThread("w" + i, this::idle) instanceof SysResult.Err<Thread> err) {
                    assertEquals(Errno.QUOTA_EXCEEDED, err.errno());
                    refusedAt.set(i);
                    break;
                }
            }
            idle();
            return 0;
        });
        KoshProcess p = kernel.spawn("small");
        dev.kosh.kernel.testing.Await.until("refused", () -> refusedAt.get() > 0);
        assertEquals(3, refusedAt.get(), "main + 2 workers fill a quota of 3");
        assertEquals(3, p.limits().threads());
        assertTrue(kernel.journal.has(Severity.WARN, p.label(), "quota: thread quota 3 reached: request refused; signalled QUOTA"),
                kernel.journal.dump());
        assertFalse(p.killed(), "one refusal is a signal, not a kill");
        release.countDown();
        assertEquals(0, exitOf(p).code());
    }

    @Test
    void aProcessThatKeepsAskingPastItsThreadQuotaIsKilledWithTheReason() {
        kernel.table.useLimits(r -> ProcessLimits.DEFAULT.withThreads(4));
        kernel.programs.add("bomb", Set.of(), ctx -> {
            while (true) ctx.startThread("b", this::idle);
        });
        KoshProcess p = kernel.spawn("bomb");
        ExitStatus status = exitOf(p);
        assertEquals(137, status.code());
        assertEquals("killed by KILL (thread quota 4 exceeded: 4 requests refused)", status.reason());
        assertTrue(kernel.journal.has(Severity.ERROR, p.label(), "quota: thread quota 4 exceeded: 4 requests refused; killed"),
                kernel.journal.dump());
    }

    @Test
    void aSoftQuotaSignalReachesABoundObserverAndDoesNotEndTheProcess() {
        kernel.programs.add("calm", Set.of(), ctx -> {
            idle();
            return 0;
        });
        KoshProcess p = kernel.spawn("calm");
        AtomicLong bits = new AtomicLong();
        p.observeSignals(bits::addAndGet);
        kernel.table.quotaExceeded(p, "allocated too much", false);
        assertEquals(Signal.QUOTA.bit(), bits.get());
        assertFalse(p.killed());
        assertTrue(kernel.journal.has(Severity.WARN, p.label(), "quota: allocated too much; signalled QUOTA"), kernel.journal.dump());
        kernel.table.quotaExceeded(p, "far too much", true);
        assertEquals("killed by KILL (far too much)", exitOf(p).reason());
        kernel.table.quotaExceeded(p, "after the end", true); // a finished process is left alone
        assertEquals(1, kernel.journal.entries().stream().filter(e -> e.message().contains("; killed")).count());
    }

    @Test
    void limitsAreValidatedAndDescribed() {
        assertThrows(IllegalArgumentException.class, () -> new ProcessLimits(0, 0, 0, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new ProcessLimits(1, -1, 0, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new ProcessLimits(1, 0, -1, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new ProcessLimits(1, 0, 0, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new ProcessLimits(1, 0, 0, null));
        assertThrows(IllegalArgumentException.class, () -> ProcessLimits.DEFAULT.withHeap(2, 1));
        assertFalse(ProcessLimits.DEFAULT.limitsAllocation());
        assertEquals("threads 64, heap unlimited", ProcessLimits.DEFAULT.describe());
        assertEquals("threads 8, heap 64M/1G per 1000 ms", ProcessLimits.DEFAULT.withThreads(8).withHeap(64L << 20, 1L << 30).describe());
        assertEquals("threads 64, heap off/12K per 1000 ms", ProcessLimits.DEFAULT.withHeap(0, 12L << 10).describe());
        assertEquals("1000", ProcessLimits.size(1000));
    }

    @Test
    void psSeesKernelSpaceForInitAndTheImagesSpaceForPrograms() {
        kernel.programs.add("plain", Set.of(), ctx -> {
            idle();
            return 0;
        });
        KoshProcess p = kernel.spawn("plain");
        List<ProcessInfo> rows = kernel.table.snapshot();
        assertEquals("kernel", rows.getFirst().space());
        assertEquals("user", p.info().space());
        assertTrue(kernel.table.live().contains(p));
    }
}
