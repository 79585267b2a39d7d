package dev.kosh.kernel.process;

import static dev.kosh.kernel.testing.TestKernel.exitOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kosh.api.Errno;
import dev.kosh.api.ExitStatus;
import dev.kosh.api.ObjectType;
import dev.kosh.api.ProcessContext;
import dev.kosh.api.Right;
import dev.kosh.api.Rights;
import dev.kosh.api.Signal;
import dev.kosh.api.SysResult;
import dev.kosh.kernel.cap.KernelObject;
import dev.kosh.kernel.isolation.DenyPolicy;
import dev.kosh.kernel.journal.Severity;
import dev.kosh.kernel.testing.Await;
import dev.kosh.kernel.testing.TestKernel;
import dev.kosh.sandbox.Action;

/**
 * Signals to one thread by its capability (KILL, STOP, CONT: tgkill / pthread_cancel), the process
 * going on; the main thread killed; the typed errors; and the checkpoint decision per thread.
 */
@Timeout(30)
class ThreadSignalTest {
    private final TestKernel kernel = new TestKernel();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        release.countDown();
        kernel.close();
    }

    private record Proc(KoshProcess process, ProcessContext ctx) {}

    /** A process that hands its context to the test and sleeps until released. */
    private Proc holder(String name) throws Exception {
        CompletableFuture<ProcessContext> ctx = new CompletableFuture<>();
        kernel.programs.add(name, TestKernel.ALL_CAPABILITIES, c -> {
            ctx.complete(c);
            while (!c.terminationRequested() && release.getCount() > 0) c.sleep(Duration.ofMillis(20));
            return 0;
        });
        KoshProcess p = kernel.spawn(name);
        return new Proc(p, ctx.get(5, TimeUnit.SECONDS));
    }

    /** A worker that enters the kernel in a loop, counting its turns, and records what ended it. */
    private record Worker(Thread thread, int handle, AtomicLong turns, CompletableFuture<Throwable> ended) {}

    private static Worker spinner(Proc p, String name) {
        AtomicLong turns = new AtomicLong();
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        Thread t = ok(p.ctx().startThread(name, () -> {
            try {
                while (true) {
                    turns.incrementAndGet();
                    p.ctx().checkpoint();
                    Thread.onSpinWait();
                }
            } catch (Throwable e) {
                ended.complete(e);
                throw e;
            }
        }));
        return new Worker(t, ok(p.ctx().threadHandle(t)), turns, ended);
    }

    private static <T> T ok(SysResult<T> r) {
        if (r instanceof SysResult.Ok<T>(T value)) return value;
        throw new AssertionError("expected Ok, got " + r);
    }

    private static Errno errno(SysResult<?> r) {
        return assertInstanceOf(SysResult.Err.class, r, String.valueOf(r)).errno();
    }

    private static void advances(AtomicLong turns) {
        long before = turns.get();
        Await.until("the thread to run", () -> turns.get() > before + 100);
    }

    @Test
    void killByThreadHandleUnwindsThatThreadAloneAndTheProcessGoesOn() throws Exception {
        Proc p = holder("victim");
        Worker doomed = spinner(p, "doomed");
        Worker other = spinner(p, "other");
        assertEquals(Rights.of(Right.READ, Right.WAIT, Right.SIGNAL, Right.GRANT), ok(p.ctx().identify(doomed.handle())).rights());
        advances(doomed.turns());

        assertEquals(SysResult.ok(null), p.ctx().signal(doomed.handle(), Signal.KILL));
        assertInstanceOf(ThreadKilled.class, doomed.ended().get(5, TimeUnit.SECONDS), "the kill unwind, as for a process kill");
        doomed.thread().join(5000);
        assertFalse(doomed.thread().isAlive());
        // The thread and its capability are gone; the process and its other threads run on.
        Await.until("the thread's capability to end", () -> !p.ctx().identify(doomed.handle()).isOk());
        assertEquals(Errno.DEAD_PEER, errno(p.ctx().signal(doomed.handle(), Signal.KILL)));
        assertEquals(Errno.DEAD_PEER, errno(p.ctx().threadStatus(doomed.handle())));
        advances(other.turns());
        assertFalse(p.process().finished() || p.process().killed() || p.process().terminationRequested());
        assertEquals(2, p.process().threadCount(), "main and the other worker");
        assertTrue(kernel.journal.has(Severity.INFO, p.process().label(), "signal KILL to thread doomed of pid " + p.process().pid()),
                kernel.journal.dump());
        assertFalse(kernel.journal.has(Severity.WARN, p.process().label(), "fault"), "a kill is not a fault: " + kernel.journal.dump());
    }

    @Test
    void aThreadBlockedInAKernelCallIsKilledAtOnce() throws Exception {
        Proc p = holder("blocked");
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        Thread t = ok(p.ctx().startThread("sleeper", () -> {
            try {
                p.ctx().sleep(Duration.ofSeconds(60));
                ended.complete(null);
            } catch (Throwable e) {
                ended.complete(e);
            }
        }));
        int h = ok(p.ctx().threadHandle(t));
        Await.until("the thread to sleep", () -> ok(p.ctx().threadStatus(h)).state().equals("Blocked(sleep)"));
        long at = System.nanoTime();
        ok(p.ctx().signal(h, Signal.KILL));
        Throwable why = ended.get(5, TimeUnit.SECONDS);
        double ms = (System.nanoTime() - at) / 1e6;
        assertInstanceOf(ThreadKilled.class, why);
        System.out.printf("thread kill of a thread sleeping in the kernel: %.3f ms%n", ms);
        assertTrue(ms < 2000, "the sleep was interrupted, not waited out: " + ms + " ms");
        assertFalse(p.process().finished());
    }

    @Test
    void stopHoldsOneThreadAtItsCheckpointAndContinueReleasesIt() throws Exception {
        Proc p = holder("stoppable");
        Worker held = spinner(p, "held");
        Worker free = spinner(p, "free");
        advances(held.turns());

        ok(p.ctx().signal(held.handle(), Signal.STOP));
        assertEquals("Blocked(stopped)", ok(p.ctx().threadStatus(held.handle())).state());
        Await.until("the thread to wait at its checkpoint", () -> held.thread().getState() == Thread.State.WAITING);
        long frozen = held.turns().get();
        advances(free.turns()); // the rest of the process runs
        Thread.sleep(30);
        assertEquals(frozen, held.turns().get(), "a stopped thread does not run");
        assertFalse(p.process().stopped(), "the process is not stopped, one thread is");
        assertEquals("Running", ok(p.ctx().threadStatus(free.handle())).state());

        ok(p.ctx().signal(held.handle(), Signal.CONT));
        advances(held.turns());
        assertEquals("Running", ok(p.ctx().threadStatus(held.handle())).state());

        // A kill while stopped unwinds it too.
        ok(p.ctx().signal(held.handle(), Signal.STOP));
        Await.until("stopped again", () -> held.thread().getState() == Thread.State.WAITING);
        ok(p.ctx().signal(held.handle(), Signal.KILL));
        assertInstanceOf(ThreadKilled.class, held.ended().get(5, TimeUnit.SECONDS));
        advances(free.turns());
        assertFalse(p.process().finished());
    }

    @Test
    void aProcessStopAndContinueDoNotUndoAThreadStop() throws Exception {
        Proc p = holder("both");
        Worker w = spinner(p, "w");
        ok(p.ctx().signal(w.handle(), Signal.STOP));
        Await.until("stopped", () -> w.thread().getState() == Thread.State.WAITING);
        ok(kernel.table.signal(p.process().pid(), Signal.STOP, "test"));
        ok(kernel.table.signal(p.process().pid(), Signal.CONT, "test"));
        long frozen = w.turns().get();
        Thread.sleep(50);
        assertEquals(frozen, w.turns().get(), "the thread's own stop still holds");
        ok(p.ctx().signal(w.handle(), Signal.CONT));
        advances(w.turns());
    }

    @Test
    void killingTheMainThreadLeavesTheProcessUntilItsLastThreadEnds() throws Exception {
        CountDownLatch workerMayEnd = new CountDownLatch(1);
        CompletableFuture<ProcessContext> ctx = new CompletableFuture<>();
        CompletableFuture<Thread> main = new CompletableFuture<>();
        kernel.programs.add("headless", Set.of(), c -> {
            c.startThread("worker", () -> {
                try {
                    workerMayEnd.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }).orThrow();
            main.complete(Thread.currentThread());
            ctx.complete(c);
            while (true) c.sleep(Duration.ofMillis(20));
        });
        KoshProcess p = kernel.spawn("headless");
        ProcessContext c = ctx.get(5, TimeUnit.SECONDS);
        int mainHandle = ok(c.threadHandle(main.get()));
        ok(c.signal(mainHandle, Signal.KILL));
        Await.until("the main thread to end", () -> p.threadCount() == 1, kernel.journal::dump);
        Thread.sleep(30);
        assertFalse(p.finished(), "a worker still runs: the process goes on");
        assertTrue(kernel.journal.has(Severity.INFO, p.label(), "main thread killed"), kernel.journal.dump());

        workerMayEnd.countDown();
        ExitStatus status = exitOf(p);
        assertEquals(ExitStatus.killed(Signal.KILL), status, "its last thread ended: the status a kill gives");
    }

    @Test
    void killingTheOnlyThreadEndsTheProcessWithAKillStatus() throws Exception {
        CompletableFuture<ProcessContext> ctx = new CompletableFuture<>();
        CompletableFuture<Thread> main = new CompletableFuture<>();
        kernel.programs.add("alone", Set.of(), c -> {
            main.complete(Thread.currentThread());
            ctx.complete(c);
            while (true) c.sleep(Duration.ofMillis(20));
        });
        KoshProcess p = kernel.spawn("alone");
        ProcessContext c = ctx.get(5, TimeUnit.SECONDS);
        ok(c.signal(ok(c.threadHandle(main.get())), Signal.KILL));
        assertEquals(137, exitOf(p).code());
    }

    @Test
    void aThreadKillingItselfUnwindsBeforeTheCallReturns() throws Exception {
        Proc p = holder("suicidal");
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        CompletableFuture<Boolean> returned = new CompletableFuture<>();
        ok(p.ctx().startThread("self", () -> {
            try {
                int me = p.ctx().threadHandle(Thread.currentThread()).orThrow();
                p.ctx().signal(me, Signal.KILL);
                returned.complete(true);
            } catch (Throwable e) {
                ended.complete(e);
            }
        }));
        assertInstanceOf(ThreadKilled.class, ended.get(5, TimeUnit.SECONDS));
        assertFalse(returned.isDone());
        assertFalse(p.process().finished());
    }

    @Test
    void aGrantedThreadCapabilityLetsAnotherProcessSignalThatThread() throws Exception {
        Proc owner = holder("owner");
        Proc supervisor = holder("supervisor");
        Worker w = spinner(owner, "watched");
        var cap = owner.process().capabilityTable().lookup(w.handle());
        int theirs = ok(kernel.table.capabilitySpace().grant(cap, supervisor.process().capabilityTable(), Rights.of(Right.SIGNAL), 0));
        assertEquals(Errno.MISSING_RIGHT, errno(supervisor.ctx().threadStatus(theirs)), "SIGNAL only: no READ");
        ok(supervisor.ctx().signal(theirs, Signal.STOP));
        Await.until("stopped", () -> w.thread().getState() == Thread.State.WAITING);
        ok(supervisor.ctx().signal(theirs, Signal.KILL));
        assertInstanceOf(ThreadKilled.class, w.ended().get(5, TimeUnit.SECONDS));
        assertFalse(owner.process().finished());
        assertTrue(kernel.journal.has(Severity.INFO, owner.process().label(), "from " + supervisor.process().label()), kernel.journal.dump());
        // The owner revoking its capability ends the supervisor's copy (a child of it) at once.
        Worker w2 = spinner(owner, "second");
        int granted = ok(kernel.table.capabilitySpace().grant(owner.process().capabilityTable().lookup(w2.handle()),
                supervisor.process().capabilityTable(), Rights.of(Right.SIGNAL), 0));
        assertTrue(ok(owner.ctx().revoke(w2.handle())) >= 1);
        assertEquals(Errno.REVOKED, errno(supervisor.ctx().signal(granted, Signal.KILL)));
        advances(w2.turns());
    }

    @Test
    void everyErrorIsTyped() throws Exception {
        Proc p = holder("errors");
        Worker w = spinner(p, "w");
        int h = w.handle();
        assertEquals(Errno.INVALID_HANDLE, errno(p.ctx().signal(0, Signal.KILL)));
        assertEquals(Errno.INVALID_HANDLE, errno(p.ctx().signal(987_654, Signal.STOP)));
        int readOnly = ok(p.ctx().derive(h, Rights.of(Right.READ), 0));
        assertEquals(Errno.MISSING_RIGHT, errno(p.ctx().signal(readOnly, Signal.KILL)));
        for (Signal s : new Signal[] {null, Signal.TERM, Signal.INT, Signal.HUP, Signal.CHLD, Signal.QUOTA, Signal.SEGV}) {
            assertEquals(Errno.INVALID_ARGUMENT, errno(p.ctx().signal(h, s)), "a thread does not take " + s);
        }
        // An object that is neither a process nor a thread.
        KernelObject note = new KernelObject(ObjectType.NOTIFICATION) { };
        int other = ok(kernel.table.capabilitySpace().create(p.process().capabilityTable(), note, Rights.of(Right.SIGNAL), 0));
        assertEquals(Errno.WRONG_TYPE, errno(p.ctx().signal(other, Signal.KILL)));
        // SEGV is the kernel's to raise, to a process as to a thread.
        assertEquals(Errno.INVALID_ARGUMENT, errno(p.ctx().signal(p.ctx().selfHandle(), Signal.SEGV)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(kernel.table.signal(p.process().pid(), Signal.SEGV, "test")));
        advances(w.turns()); // none of it reached the thread
        assertFalse(w.ended().isDone());
        ok(p.ctx().signal(h, Signal.KILL));
        w.ended().get(5, TimeUnit.SECONDS);
        Await.until("gone", () -> !p.ctx().identify(h).isOk());
        assertEquals(Errno.DEAD_PEER, errno(p.ctx().signal(h, Signal.CONT)));
        assertEquals(Errno.DEAD_PEER, errno(p.ctx().signal(readOnly, Signal.CONT)));
    }

    @Test
    void theKernelSignalsAThreadByPidAndName() throws Exception {
        Proc p = holder("named");
        Worker w = spinner(p, "worker");
        spinner(p, "twin");
        spinner(p, "twin");
        int pid = p.process().pid();
        assertEquals(Errno.NO_SUCH_PROCESS, errno(kernel.table.signalThread(99_999, "main", Signal.STOP, "shell")));
        assertEquals(Errno.NO_SUCH_PROCESS, errno(kernel.table.signalThread(pid, "nope", Signal.STOP, "shell")));
        assertEquals(Errno.INVALID_ARGUMENT, errno(kernel.table.signalThread(pid, "twin", Signal.STOP, "shell")), "ambiguous");
        assertEquals(Errno.INVALID_ARGUMENT, errno(kernel.table.signalThread(pid, "worker", Signal.TERM, "shell")));
        ok(kernel.table.startKernelThread(kernel.init, "init-worker", () -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        assertEquals(Errno.INVALID_ARGUMENT, errno(kernel.table.signalThread(ProcessTable.INIT_PID, "init-worker", Signal.KILL, "shell")),
                "init's threads are not killed");
        ok(kernel.table.signalThread(pid, "worker", Signal.KILL, "shell"));
        assertInstanceOf(ThreadKilled.class, w.ended().get(5, TimeUnit.SECONDS));
        assertTrue(kernel.journal.has(Severity.INFO, p.process().label(), "signal KILL to thread worker of pid " + pid + " from shell"));
    }

    @Test
    void theCheckpointOfWovenCodeKillsOrStopsOnlyTheSignalledThread() throws Exception {
        Proc p = holder("woven");
        ProcessSandbox sandbox = new ProcessSandbox(DenyPolicy.standard(), kernel.journal, kernel.table::live);
        List<Action> seenA = new CopyOnWriteArrayList<>();
        List<Action> seenB = new CopyOnWriteArrayList<>();
        CountDownLatch bStopped = new CountDownLatch(1);
        CompletableFuture<Throwable> aEnded = new CompletableFuture<>();
        Thread a = ok(p.ctx().startThread("a", () -> {
            // What a woven back-edge does with the sandbox's answer (dev.kosh.sandbox.Checkpoint).
            try {
                while (true) {
                    Action act = sandbox.atCheckpoint(Thread.currentThread());
                    if (act != Action.PROCEED) seenA.add(act);
                    if (act instanceof Action.Kill k) throw k.error();
                    Thread.onSpinWait();
                }
            } catch (Throwable e) {
                aEnded.complete(e);
            }
        }));
        Thread b = ok(p.ctx().startThread("b", () -> {
            while (release.getCount() > 0) {
                Action act = sandbox.atCheckpoint(Thread.currentThread());
                if (act != Action.PROCEED) seenB.add(act);
                if (act == Action.STOP) {
                    bStopped.countDown();
                    sandbox.awaitContinue(Thread.currentThread());
                }
                if (act instanceof Action.Kill) return;
                Thread.onSpinWait();
            }
        }));
        ok(p.ctx().signal(ok(p.ctx().threadHandle(a)), Signal.KILL));
        assertInstanceOf(ThreadKilled.class, aEnded.get(5, TimeUnit.SECONDS));
        assertEquals(1, seenA.size());
        assertEquals(List.of(), seenB, "the other thread was not touched");
        int hb = ok(p.ctx().threadHandle(b));
        ok(p.ctx().signal(hb, Signal.STOP));
        assertTrue(bStopped.await(5, TimeUnit.SECONDS));
        Await.until("b waits", () -> b.getState() == Thread.State.WAITING);
        ok(p.ctx().signal(hb, Signal.CONT));
        Await.until("b runs", () -> b.getState() != Thread.State.WAITING);
        assertEquals(List.of(Action.STOP), seenB);
        assertEquals(Action.PROCEED, sandbox.atCheckpoint(Thread.currentThread()), "a kernel thread is never stopped or killed");
    }
}
