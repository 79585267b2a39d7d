package dev.kosh.kernel.process;

import static dev.kosh.kernel.process.ProcessLifecycleTest.await;
import static dev.kosh.kernel.testing.TestKernel.exitOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kosh.api.Errno;
import dev.kosh.api.ExitStatus;
import dev.kosh.api.Signal;
import dev.kosh.api.SysResult;
import dev.kosh.kernel.journal.Severity;
import dev.kosh.kernel.testing.Await;
import dev.kosh.kernel.testing.TestImage;
import dev.kosh.kernel.testing.TestKernel;

@Timeout(10)
class SignalTest {
    private static final Duration TERM_TIMEOUT = Duration.ofMillis(150);
    private final TestKernel kernel = new TestKernel(TERM_TIMEOUT);
    private final AtomicBoolean stopSpinning = new AtomicBoolean();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        stopSpinning.set(true);
        release.countDown();
        kernel.close();
    }

    private KoshProcess sleeper() {
        kernel.programs.add("sleeper", Set.of(), ctx -> {
            ctx.sleep(Duration.ofMinutes(1));
            return 0;
        });
        KoshProcess p = kernel.spawn("sleeper");
        Await.until("asleep", () -> p.state().equals(new ProcessState.Blocked(BlockReason.SLEEP)));
        return p;
    }

    @Test
    void killEndsAProcessBlockedInSleepAtOnce() {
        KoshProcess p = sleeper();
        long t0 = System.nanoTime();
        assertEquals(SysResult.ok(null), kernel.table.signal(p.pid(), Signal.KILL, "test"));
        assertTrue(p.finished(), "signal(KILL) returns once the process has ended");
        assertTrue(System.nanoTime() - t0 < ProcessTable.KILL_GRACE.toNanos(), "unwound without the grace period");
        assertEquals(ExitStatus.killed(Signal.KILL), exitOf(p));
        assertEquals(137, exitOf(p).code());
        assertEquals(List.of(), p.abandonedThreads());
        assertTrue(kernel.journal.has(Severity.INFO, p.label(), "signal KILL from test"), kernel.journal.dump());
    }

    @Test
    void killEndsAProcessSpinningThroughCheckpoints() {
        AtomicLong laps = new AtomicLong();
        kernel.programs.add("spin", Set.of(), ctx -> {
            while (true) {
                ctx.checkpoint();
                laps.incrementAndGet();
            }
        });
        KoshProcess p = kernel.spawn("spin");
        Await.until("spinning", () -> laps.get() > 0);
        kernel.table.signal(p.pid(), Signal.KILL, "test");
        assertEquals(137, exitOf(p).code());
        assertEquals(List.of(), p.abandonedThreads());
    }

    @Test
    void killFinishesAProcessThatNeverEntersTheKernelAfterTheGracePeriod() {
        kernel.programs.add("rogue", Set.of("publish"), ctx -> {
            ctx.publish(Runnable.class, () -> { }).orThrow();
            while (!stopSpinning.get()) Thread.onSpinWait(); // no kernel call: only the kernel's deadline ends it
            return 0;
        });
        TestImage image = (TestImage) kernel.programs.find("rogue").orThrow();
        KoshProcess p = kernel.spawn("rogue");
        Await.until("published", () -> p.handleCount() == 1);
        List<Thread> threads = p.threads();

        long t0 = System.nanoTime();
        kernel.table.signal(p.pid(), Signal.KILL, "test");
        long took = System.nanoTime() - t0;

        assertTrue(p.finished());
        assertTrue(took >= ProcessTable.KILL_GRACE.toNanos(), "waited for the grace period first");
        assertEquals(new ProcessState.Zombie(ExitStatus.killed(Signal.KILL)), p.state());
        assertEquals(137, exitOf(p).code());
        assertEquals(0, p.handleCount());
        assertTrue(image.published().getFirst().withdrawn(), "its service was withdrawn");
        assertEquals(List.of(threads.getFirst().getName()), p.abandonedThreads());
        assertTrue(kernel.journal.has(Severity.WARN, p.label(), "abandoned: [pid-" + p.pid() + "/main]"), kernel.journal.dump());
        Await.until("reaped", () -> kernel.table.get(p.pid()).isEmpty());

        stopSpinning.set(true);
        Await.until("the abandoned thread ends once it stops spinning", () -> !threads.getFirst().isAlive());
    }

    @Test
    void termLetsACooperativeProcessExitOnItsOwn() {
        kernel.programs.add("polite", Set.of(), ctx -> {
            while (!ctx.terminationRequested()) ctx.sleep(Duration.ofMinutes(1));
            return 0;
        });
        KoshProcess p = kernel.spawn("polite");
        Await.until("asleep", () -> p.state() instanceof ProcessState.Blocked);
        kernel.table.signal(p.pid(), Signal.TERM, "test");
        assertEquals(ExitStatus.exited(0), exitOf(p));
    }

    @Test
    void termEndsAProcessThatLetsTheInterruptedWaitEscapeMainAsEndedByTerm() {
        kernel.programs.add("waiter", Set.of(), ctx -> {
            release.await(); // a plain blocking wait; the InterruptedException from TERM leaves main
            return 0;
        });
        KoshProcess p = kernel.spawn("waiter");
        Await.until("waiting", () -> p.state() instanceof ProcessState.Blocked);
        kernel.table.signal(p.pid(), Signal.INT, "test");
        assertEquals(ExitStatus.killed(Signal.INT), exitOf(p));
        assertTrue(!kernel.journal.has(Severity.ERROR, p.label(), "crashed"), "not a crash: " + kernel.journal.dump());
    }

    @Test
    void termEscalatesToKillAfterTheStopTimeout() {
        kernel.programs.add("stubborn", Set.of(), ctx -> {
            while (true) ctx.sleep(Duration.ofMillis(1)); // returns at once after TERM; ignores it
        });
        KoshProcess p = kernel.spawn("stubborn");
        long t0 = System.nanoTime();
        assertEquals(SysResult.ok(null), kernel.table.signal(p.pid(), Signal.TERM, "test"));
        assertTrue(p.terminationRequested());
        assertEquals(ExitStatus.killed(Signal.KILL), exitOf(p));
        assertTrue(System.nanoTime() - t0 >= TERM_TIMEOUT.toNanos(), "killed only after the stop timeout");
        assertTrue(kernel.journal.has(Severity.WARN, p.label(), "after TERM; killing"), kernel.journal.dump());
    }

    @Test
    void stoppedProcessMakesNoProgressUntilContinued() {
        AtomicLong laps = new AtomicLong();
        kernel.programs.add("counter", Set.of(), ctx -> {
            while (true) {
                ctx.checkpoint();
                laps.incrementAndGet();
                LockSupport.parkNanos(100_000);
            }
        });
        KoshProcess p = kernel.spawn("counter");
        Await.until("counting", () -> laps.get() > 0);

        kernel.table.signal(p.pid(), Signal.STOP, "test");
        assertEquals(new ProcessState.Blocked(BlockReason.STOPPED), p.state());
        Thread main = p.threads().getFirst();
        Await.until("parked in the stop", () -> main.getState() == Thread.State.WAITING);
        long frozen = laps.get();
        LockSupport.parkNanos(Duration.ofMillis(30).toNanos());
        assertEquals(frozen, laps.get(), "no progress while stopped");
        assertEquals("Blocked(stopped)", p.state().label());

        kernel.table.signal(p.pid(), Signal.CONT, "test");
        Await.until("counting again", () -> laps.get() > frozen);
        assertTrue(!p.stopped() && !p.state().equals(new ProcessState.Blocked(BlockReason.STOPPED)));
    }

    @Test
    void killReachesAStoppedProcess() {
        kernel.programs.add("counter", Set.of(), ctx -> {
            while (true) ctx.checkpoint();
        });
        KoshProcess p = kernel.spawn("counter");
        kernel.table.signal(p.pid(), Signal.STOP, "test");
        Thread main = p.threads().getFirst();
        Await.until("parked in the stop", () -> main.getState() == Thread.State.WAITING);
        kernel.table.signal(p.pid(), Signal.KILL, "test");
        assertEquals(137, exitOf(p).code());
        assertEquals(List.of(), p.abandonedThreads());
    }

    @Test
    void termInterruptsAStoppedProcessOnlyWhenContinued() {
        TestKernel slow = new TestKernel(Duration.ofSeconds(5));
        try {
            slow.programs.add("polite", Set.of(), ctx -> {
                while (!ctx.terminationRequested()) ctx.sleep(Duration.ofMillis(1));
                return 0;
            });
            KoshProcess p = slow.spawn("polite");
            slow.table.signal(p.pid(), Signal.STOP, "test");
            Thread main = p.threads().getFirst();
            Await.until("parked in the stop", () -> main.getState() == Thread.State.WAITING);
            slow.table.signal(p.pid(), Signal.TERM, "test");
            assertEquals(new ProcessState.Blocked(BlockReason.STOPPED), p.state(), "TERM does not end a stop");
            slow.table.signal(p.pid(), Signal.CONT, "test");
            assertEquals(ExitStatus.exited(0), exitOf(p));
        } finally {
            slow.close();
        }
    }

    @Test
    void initRefusesTermAndKill() {
        for (Signal s : List.of(Signal.TERM, Signal.KILL, Signal.INT, Signal.HUP)) {
            var err = assertInstanceOf(SysResult.Err.class, kernel.table.signal(ProcessTable.INIT_PID, s, "test"), s.name());
            assertEquals(Errno.INVALID_ARGUMENT, err.errno());
        }
        assertTrue(kernel.table.get(ProcessTable.INIT_PID).isPresent());
        assertTrue(!kernel.init.terminationRequested());
    }

    @Test
    void signallingAnUnknownPidIsNoSuchProcess() {
        var err = assertInstanceOf(SysResult.Err.class, kernel.table.signal(4242, Signal.TERM, "test"));
        assertEquals(Errno.NO_SUCH_PROCESS, err.errno());
    }

    @Test
    void signallingAZombieIsNoSuchProcess() throws Exception {
        java.util.concurrent.CompletableFuture<Integer> childPid = new java.util.concurrent.CompletableFuture<>();
        kernel.programs.add("child", Set.of(), ctx -> 0);
        kernel.programs.add("parent", Set.of("spawn"), ctx -> {
            childPid.complete(ctx.spawn("child", List.of()).orThrow());
            await(release);
            return 0;
        });
        kernel.spawn("parent");
        KoshProcess child = kernel.table.get(childPid.get(5, java.util.concurrent.TimeUnit.SECONDS)).orElseThrow();
        exitOf(child);
        var err = assertInstanceOf(SysResult.Err.class, kernel.table.signal(child.pid(), Signal.KILL, "test"));
        assertEquals(Errno.NO_SUCH_PROCESS, err.errno());
        assertTrue(err.message().contains("zombie"), err.message());
    }

    @Test
    void nullSignalIsAnInvalidArgument() {
        KoshProcess p = sleeper();
        assertEquals(Errno.INVALID_ARGUMENT, assertInstanceOf(SysResult.Err.class, kernel.table.signal(p.pid(), null, "test")).errno());
    }

    @Test
    void signalsParseByNameNumberAndPrefix() {
        assertEquals(Signal.KILL, Signal.parse("9").orElseThrow());
        assertEquals(Signal.KILL, Signal.parse("sigkill").orElseThrow());
        assertEquals(Signal.TERM, Signal.parse(" TERM ").orElseThrow());
        assertTrue(Signal.parse("SIGFOO").isEmpty());
        assertEquals(143, ExitStatus.killed(Signal.TERM).code());
    }

    @Test
    void terminateAllEndsEveryProcessButInit() {
        KoshProcess a = sleeper();
        kernel.programs.add("stubborn", Set.of(), ctx -> {
            while (true) ctx.checkpoint();
        });
        KoshProcess b = kernel.spawn("stubborn");
        kernel.table.terminateAll(Duration.ofMillis(100));
        assertEquals(ExitStatus.exited(0), exitOf(a));
        assertEquals(137, exitOf(b).code());
        Await.until("only init left", () -> kernel.table.size() == 1);
    }
}
