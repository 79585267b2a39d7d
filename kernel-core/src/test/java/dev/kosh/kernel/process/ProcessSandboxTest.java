package dev.kosh.kernel.process;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kosh.api.Signal;
import dev.kosh.kernel.isolation.DenyPolicy;
import dev.kosh.kernel.testing.Await;
import dev.kosh.kernel.testing.TestKernel;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * When the kernel still awaits a thread at a preemption point (so that the points of recursive
 * code must be reached too): only for a runnable thread of a killed or stopped process.
 */
@Timeout(10)
class ProcessSandboxTest {
    private final TestKernel kernel = new TestKernel(Duration.ofMillis(150));
    private final ProcessSandbox sandbox = new ProcessSandbox(DenyPolicy.standard(), kernel.journal, kernel.table::live);
    private final AtomicBoolean stopSpinning = new AtomicBoolean();

    @AfterEach
    void tearDown() {
        stopSpinning.set(true);
        kernel.close();
    }

    @Test
    void aStoppedProcessThatWaitsIsNotAwaitedOneStillRunningIs() {
        kernel.programs.add("counter", Set.of(), ctx -> {
            while (true) {
                ctx.checkpoint();
                LockSupport.parkNanos(100_000);
            }
        });
        kernel.programs.add("spinner", Set.of(), ctx -> {
            while (!stopSpinning.get()) Thread.onSpinWait(); // never reaches a point: unwoven, no kernel call
            return 0;
        });
        KoshProcess counter = kernel.spawn("counter");
        KoshProcess spinner = kernel.spawn("spinner");
        Await.until("spinning", () -> spinner.threads().stream().anyMatch(t -> t.getState() == Thread.State.RUNNABLE));
        assertFalse(sandbox.awaitingCheckpoint(), "nothing signalled: nothing awaited");

        kernel.table.signal(counter.pid(), Signal.STOP, "test");
        Thread main = counter.threads().getFirst();
        Await.until("parked in the stop", () -> main.getState() == Thread.State.WAITING);
        assertFalse(sandbox.awaitingCheckpoint(), "a stopped thread that waits needs no point");

        kernel.table.signal(spinner.pid(), Signal.STOP, "test");
        assertTrue(sandbox.awaitingCheckpoint(), "a stopped process's thread is still running");
        stopSpinning.set(true);
        Await.until("the spinner ended", () -> spinner.threads().isEmpty() || spinner.finished());
        Await.until("no longer awaited", () -> !sandbox.awaitingCheckpoint());
    }

    @Test
    void aThreadStoppedAloneThatStillRunsIsAwaited() throws Exception {
        CountDownLatch signalled = new CountDownLatch(1);
        kernel.programs.add("self-stopper", Set.of(), ctx -> {
            Thread spin = ctx.startThread("spin", () -> {
                while (!stopSpinning.get()) Thread.onSpinWait(); // never reaches a point
            }).orThrow();
            ctx.signal(ctx.threadHandle(spin).orThrow(), Signal.STOP).orThrow();
            signalled.countDown();
            spin.join();
            return 0;
        });
        KoshProcess p = kernel.spawn("self-stopper");
        assertTrue(signalled.await(5, TimeUnit.SECONDS));
        assertFalse(p.stopped(), "one thread is stopped, not the process");
        assertTrue(sandbox.awaitingCheckpoint(), "a thread stopped by its capability is still running");
        stopSpinning.set(true);
        Await.until("no longer awaited", () -> !sandbox.awaitingCheckpoint());
    }
}
