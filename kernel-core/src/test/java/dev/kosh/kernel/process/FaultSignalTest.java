package dev.kosh.kernel.process;

import static dev.kosh.kernel.testing.TestKernel.exitOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kosh.api.Errno;
import dev.kosh.api.ExitStatus;
import dev.kosh.api.KoshException;
import dev.kosh.api.ProcessContext;
import dev.kosh.api.Signal;
import dev.kosh.api.SysResult;
import dev.kosh.kernel.journal.Severity;
import dev.kosh.kernel.testing.Await;
import dev.kosh.kernel.testing.TestKernel;

/**
 * The fault signal (SEGV): raised on the process's bound signals and journaled when a thread ends
 * with an uncaught throwable or an unhandled memory fault; its default action (docs/processes.md,
 * "Faults"): a memory fault ends the process with SEGV, any other throwable ends its thread (main:
 * the process, exit 1); a kill's unwind is no fault.
 */
@Timeout(30)
class FaultSignalTest {
    private final TestKernel kernel = new TestKernel();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        release.countDown();
        kernel.close();
    }

    /** The bits the kernel sets on this process's bound signal notification (what {@code Ipc.bindSignals} observes). */
    private static List<Long> observe(KoshProcess p) {
        List<Long> bits = new CopyOnWriteArrayList<>();
        p.observeSignals(bits::add);
        return bits;
    }

    private static KoshException memoryFault() {
        // What a process sees when it lets a memory call's FAULT out with orThrow().
        return new KoshException(Errno.FAULT, "read at 0x7f0000001000: not mapped (SEGV_MAPERR)");
    }

    private record Started(KoshProcess process, ProcessContext ctx, List<Long> bits) {}

    private Started holder(String name) throws Exception {
        CompletableFuture<ProcessContext> ctx = new CompletableFuture<>();
        kernel.programs.add(name, Set.of(), c -> {
            ctx.complete(c);
            while (!c.terminationRequested() && release.getCount() > 0) c.sleep(Duration.ofMillis(20));
            return 0;
        });
        KoshProcess p = kernel.spawn(name);
        ProcessContext c = ctx.get(5, TimeUnit.SECONDS);
        return new Started(p, c, observe(p));
    }

    @Test
    void aWorkerEndedByAnExceptionRaisesTheFaultAndTheProcessGoesOn() throws Exception {
        Started s = holder("flaky");
        Thread t = s.ctx().startThread("bad", () -> {
            throw new IllegalStateException("invariant broken");
        }).orThrow();
        t.join(5000);
        Await.until("the fault bit", () -> s.bits().contains(Signal.SEGV.bit()), kernel.journal::dump);
        assertTrue(kernel.journal.has(Severity.WARN, s.process().label(),
                "fault (SEGV): thread pid-" + s.process().pid() + "/bad ended by java.lang.IllegalStateException: invariant broken"), kernel.journal.dump());
        Thread.sleep(50);
        assertFalse(s.process().finished() || s.process().killed(), "a Java exception ends its thread only");
    }

    @Test
    void anUnhandledMemoryFaultInAWorkerEndsTheProcessWithSegv() throws Exception {
        Started s = holder("wild");
        s.ctx().startThread("pointer", () -> {
            throw memoryFault();
        }).orThrow();
        ExitStatus status = exitOf(s.process());
        assertEquals(139, status.code(), status.reason());
        assertTrue(status.reason().startsWith("killed by SEGV ("), status.reason());
        assertTrue(status.reason().contains("not mapped"), status.reason());
        assertTrue(s.bits().contains(Signal.SEGV.bit()), "raised before the default action: " + s.bits());
        assertTrue(kernel.journal.has(Severity.ERROR, s.process().label(), "killed by SEGV"), kernel.journal.dump());
    }

    @Test
    void aMainThreadDyingOfAMemoryFaultTellsItsParent() throws Exception {
        kernel.programs.add("segv", Set.of(), c -> {
            throw memoryFault();
        });
        CompletableFuture<SysResult<ExitStatus>> seen = new CompletableFuture<>();
        List<Long> parentBits = new CopyOnWriteArrayList<>();
        CountDownLatch observing = new CountDownLatch(1);
        kernel.programs.add("parent", TestKernel.ALL_CAPABILITIES, c -> {
            observing.await();
            int child = c.spawn("segv", List.of()).orThrow();
            seen.complete(c.waitFor(child, Duration.ofSeconds(10)));
            release.await(); // alive until the test has looked: a finished parent hears no CHLD
            return 0;
        });
        KoshProcess parent = kernel.spawn("parent");
        parent.observeSignals(parentBits::add);
        observing.countDown();
        SysResult<ExitStatus> r = seen.get(10, TimeUnit.SECONDS);
        ExitStatus status = ((SysResult.Ok<ExitStatus>) r).value();
        assertEquals(139, status.code());
        assertTrue(status.reason().contains("unhandled memory fault"), status.reason());
        Await.until("the parent to be told (CHLD)", () -> parentBits.contains(Signal.CHLD.bit()));
    }

    @Test
    void aMainThreadEndedByAnExceptionStillExitsWithOneAndRaisesTheFault() throws Exception {
        CountDownLatch observing = new CountDownLatch(1);
        kernel.programs.add("crash", Set.of(), c -> {
            observing.await();
            throw new IllegalArgumentException("bad input");
        });
        KoshProcess p = kernel.spawn("crash");
        List<Long> bits = observe(p);
        observing.countDown();
        ExitStatus status = exitOf(p);
        assertEquals(1, status.code());
        assertTrue(status.reason().contains("IllegalArgumentException: bad input"), status.reason());
        assertTrue(bits.contains(Signal.SEGV.bit()), "the fault was raised: " + bits);
    }

    @Test
    void aKillIsNotAFault() throws Exception {
        Started s = holder("killed");
        assertEquals(SysResult.ok(null), kernel.table.signal(s.process().pid(), Signal.KILL, "test"));
        assertEquals(137, exitOf(s.process()).code());
        assertFalse(s.bits().contains(Signal.SEGV.bit()), String.valueOf(s.bits()));
        assertFalse(kernel.journal.has(Severity.WARN, s.process().label(), "fault"), kernel.journal.dump());
    }
}
