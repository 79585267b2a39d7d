package dev.kosh.kernel.process;

import static dev.kosh.kernel.testing.TestKernel.exitOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kosh.api.CapabilityInfo;
import dev.kosh.api.Errno;
import dev.kosh.api.ExitStatus;
import dev.kosh.api.ObjectType;
import dev.kosh.api.ProcessContext;
import dev.kosh.api.ProcessStatus;
import dev.kosh.api.Right;
import dev.kosh.api.Rights;
import dev.kosh.api.Signal;
import dev.kosh.api.SysResult;
import dev.kosh.api.ThreadStatus;
import dev.kosh.kernel.cap.Capability;
import dev.kosh.kernel.cap.CapabilitySpace;
import dev.kosh.kernel.testing.Await;
import dev.kosh.kernel.testing.TestKernel;

/**
 * Processes and threads as kernel objects reached through handles: a parent's handle to each child,
 * a process's handle to itself and to each of its threads; signal, wait, status and join by handle,
 * with the typed errors; derive, transfer and revoke on them like on any capability.
 */
@Timeout(20)
class ProcessObjectTest {
    private final TestKernel kernel = new TestKernel();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        release.countDown();
        kernel.close();
    }

    private record Proc(KoshProcess process, ProcessContext ctx) {
        int pid() {
            return process.pid();
        }
    }

    /** A process that hands its context to the test and sleeps until released or signalled. */
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

    /** Registers a program that sleeps until it is asked to terminate. */
    private void sleeperProgram() {
        kernel.programs.add("sleeper", Set.of(), c -> {
            while (!c.terminationRequested()) c.sleep(Duration.ofMillis(20));
            return 3;
        });
    }

    private static <T> T ok(SysResult<T> r) {
        if (r instanceof SysResult.Ok<T>(T value)) return value;
        throw new AssertionError("expected Ok, got " + r);
    }

    private static Errno errno(SysResult<?> r) {
        return assertInstanceOf(SysResult.Err.class, r, String.valueOf(r)).errno();
    }

    private CapabilitySpace space() {
        return kernel.table.capabilitySpace();
    }

    // ---- the handles a process gets ---------------------------------------------------------

    @Test
    void aProcessHoldsItselfItsMainThreadAndEachChildItSpawns() throws Exception {
        sleeperProgram();
        Proc parent = holder("parent");
        int self = parent.ctx().selfHandle();
        assertNotEquals(0, self);
        CapabilityInfo selfInfo = ok(parent.ctx().identify(self));
        assertEquals(ObjectType.PROCESS, selfInfo.type());
        assertEquals("pid " + parent.pid() + " parent", selfInfo.object());
        assertEquals(Rights.of(Right.SIGNAL, Right.WAIT, Right.READ, Right.GRANT), selfInfo.rights());

        int child = ok(parent.ctx().spawn("sleeper", List.of()));
        int h = ok(parent.ctx().processHandle(child));
        CapabilityInfo childInfo = ok(parent.ctx().identify(h));
        assertEquals(ObjectType.PROCESS, childInfo.type());
        assertEquals("pid " + child + " sleeper", childInfo.object());
        assertEquals(Rights.of(Right.SIGNAL, Right.WAIT, Right.READ, Right.GRANT), childInfo.rights());

        List<CapabilityInfo> table = parent.ctx().capabilities();
        assertEquals(1, table.stream().filter(c -> c.type() == ObjectType.THREAD).count(), table.toString());
        assertEquals(2, table.stream().filter(c -> c.type() == ObjectType.PROCESS).count(), table.toString());
        // ... and the table the shell's `caps PID` prints is the same one.
        assertEquals(table, ok(kernel.table.capabilities(parent.pid())));
        // The child's own table has its self handle, not the parent's.
        KoshProcess c = kernel.table.get(child).orElseThrow();
        assertEquals(List.of(ObjectType.PROCESS, ObjectType.THREAD),
                space().list(c.capabilityTable()).stream().map(CapabilityInfo::type).sorted().toList());
        // The parent's and the child's handles are two roots: revoking one does not reach the other.
        assertEquals(0, ok(parent.ctx().revoke(h)));
        assertEquals(Errno.NO_SUCH_PROCESS, errno(parent.ctx().processHandle(99_999)));
        assertEquals(Errno.NO_CAPABILITY, errno(parent.ctx().processHandle(1)));
    }

    // ---- signal, wait and status by handle --------------------------------------------------

    @Test
    void killWaitAndStatusByHandleThenTheReapedHandleIsDead() throws Exception {
        sleeperProgram();
        Proc parent = holder("parent");
        int child = ok(parent.ctx().spawn("sleeper", List.of()));
        int h = ok(parent.ctx().processHandle(child));
        ProcessStatus st = ok(parent.ctx().processStatus(h));
        assertEquals(child, st.pid());
        assertEquals(parent.pid(), st.parentPid());
        assertEquals("sleeper", st.name());
        assertNull(st.exit());
        assertEquals(Errno.TIMEOUT, errno(parent.ctx().await(h, Duration.ofMillis(30))));

        assertEquals(SysResult.ok(null), parent.ctx().signal(h, Signal.KILL));
        ExitStatus exit = ok(parent.ctx().await(h, Duration.ofSeconds(5)));
        assertEquals(ExitStatus.killed(Signal.KILL), exit);
        // The parent's wait reaped it: gone from the table, every handle to it ends (DEAD_PEER).
        assertTrue(kernel.table.get(child).isEmpty());
        assertEquals(Errno.DEAD_PEER, errno(parent.ctx().processStatus(h)));
        assertEquals(Errno.DEAD_PEER, errno(parent.ctx().signal(h, Signal.TERM)));
        assertEquals(Errno.DEAD_PEER, errno(parent.ctx().identify(h)));
        assertEquals(Errno.NO_SUCH_PROCESS, errno(parent.ctx().processHandle(child)));
    }

    @Test
    void stopAndContinueByHandleShowInTheStatus() throws Exception {
        kernel.programs.add("counter", Set.of(), c -> {
            while (!c.terminationRequested()) c.checkpoint();
            return 0;
        });
        Proc parent = holder("parent");
        int child = ok(parent.ctx().spawn("counter", List.of()));
        int h = ok(parent.ctx().processHandle(child));
        assertEquals(SysResult.ok(null), parent.ctx().signal(h, Signal.STOP));
        Await.until("the child to stop", () -> "Blocked(stopped)".equals(ok(parent.ctx().processStatus(h)).state()));
        assertEquals(SysResult.ok(null), parent.ctx().signal(h, Signal.CONT));
        Await.until("the child to run again", () -> !ok(parent.ctx().processStatus(h)).state().equals("Blocked(stopped)"));
        assertEquals(SysResult.ok(null), parent.ctx().signal(h, Signal.TERM));
        assertEquals(0, ok(parent.ctx().await(h, Duration.ofSeconds(5))).code());
    }

    @Test
    void everyErrorIsTypedAndCheckedBeforeTheCallActs() throws Exception {
        sleeperProgram();
        Proc parent = holder("parent");
        ProcessContext ctx = parent.ctx();
        int child = ok(ctx.spawn("sleeper", List.of()));
        int h = ok(ctx.processHandle(child));
        int thread = ctx.capabilities().stream().filter(c -> c.type() == ObjectType.THREAD).findFirst().orElseThrow().handle();

        assertEquals(Errno.INVALID_HANDLE, errno(ctx.signal(0, Signal.KILL)));
        assertEquals(Errno.INVALID_HANDLE, errno(ctx.signal(-7, Signal.KILL)));
        assertEquals(Errno.INVALID_HANDLE, errno(ctx.await(12345, Duration.ZERO)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(ctx.signal(thread, Signal.TERM)), "a thread takes KILL, STOP, CONT only");
        assertEquals(Errno.WRONG_TYPE, errno(ctx.threadStatus(h)));
        assertEquals(Errno.WRONG_TYPE, errno(ctx.join(h, Duration.ZERO)));
        int readOnly = ok(ctx.derive(h, Rights.of(Right.READ), 0));
        assertEquals(Errno.MISSING_RIGHT, errno(ctx.signal(readOnly, Signal.KILL)));
        assertEquals(Errno.MISSING_RIGHT, errno(ctx.await(readOnly, Duration.ZERO)));
        int signalOnly = ok(ctx.derive(h, Rights.of(Right.SIGNAL), 0));
        assertEquals(Errno.MISSING_RIGHT, errno(ctx.processStatus(signalOnly)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(ctx.signal(h, null)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(ctx.await(h, null)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(ctx.await(h, Duration.ofMillis(-1))));
        assertEquals(Errno.INVALID_ARGUMENT, errno(ctx.await(ctx.selfHandle(), Duration.ZERO)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(ctx.threadHandle(null)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(ctx.threadHandle(Thread.currentThread())));
        // Nothing above reached the child.
        assertFalse(kernel.table.get(child).orElseThrow().terminationRequested());
        // A zombie: exited, not yet reaped. Signals answer DEAD_PEER; status and wait still work.
        ok(ctx.signal(signalOnly, Signal.TERM));
        Await.until("the child to exit", () -> kernel.table.get(child).orElseThrow().finished());
        assertEquals(Errno.DEAD_PEER, errno(ctx.signal(h, Signal.KILL)));
        assertEquals("Zombie", ok(ctx.processStatus(h)).state());
        assertEquals(3, ok(ctx.processStatus(h)).exit().code());
        assertEquals(3, ok(ctx.await(h, Duration.ZERO)).code());
        assertEquals(Errno.DEAD_PEER, errno(ctx.await(h, Duration.ZERO)));
    }

    // ---- derive, transfer, revoke -----------------------------------------------------------

    @Test
    void aProcessHandleTransferredToAnotherProcessLetsItSignalAndWaitWithoutReaping() throws Exception {
        sleeperProgram();
        Proc parent = holder("parent");
        Proc supervisor = holder("supervisor");
        int child = ok(parent.ctx().spawn("sleeper", List.of()));
        int h = ok(parent.ctx().processHandle(child));
        int narrowed = ok(parent.ctx().derive(h, Rights.of(Right.SIGNAL, Right.WAIT, Right.READ), 0));
        // The transfer primitive messages use: a copy out of the parent's table into the supervisor's.
        Capability copy = ok(space().detach(parent.process().capabilityTable(), h, false));
        int theirs = ok(space().attach(supervisor.process().capabilityTable(), copy));
        assertEquals(theirs, ok(supervisor.ctx().processHandle(child)));
        // Without GRANT the narrowed one cannot leave the table.
        assertEquals(Errno.MISSING_RIGHT, errno(space().detach(parent.process().capabilityTable(), narrowed, false)));

        ok(supervisor.ctx().signal(theirs, Signal.KILL));
        ExitStatus seen = ok(supervisor.ctx().await(theirs, Duration.ofSeconds(5)));
        assertEquals(137, seen.code());
        // Not the parent: the supervisor's wait does not reap; the parent's still can.
        assertTrue(kernel.table.get(child).isPresent());
        assertEquals(seen, ok(parent.ctx().waitFor(child, Duration.ofSeconds(1))));
        assertEquals(Errno.DEAD_PEER, errno(supervisor.ctx().processStatus(theirs)));
    }

    @Test
    void revokingAProcessHandleEndsADerivedOneEvenWhileItWaits() throws Exception {
        sleeperProgram();
        Proc parent = holder("parent");
        Proc watcher = holder("watcher");
        int child = ok(parent.ctx().spawn("sleeper", List.of()));
        int h = ok(parent.ctx().processHandle(child));
        Capability copy = ok(space().detach(parent.process().capabilityTable(), h, false));
        int theirs = ok(space().attach(watcher.process().capabilityTable(), copy));
        CompletableFuture<SysResult<ExitStatus>> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return watcher.ctx().await(theirs, Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(50);
        assertFalse(waiting.isDone());
        long start = System.nanoTime();
        assertEquals(1, ok(parent.ctx().revoke(h)));
        assertEquals(Errno.REVOKED, errno(waiting.get(5, TimeUnit.SECONDS)));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "the wait ended at the revocation, not by a timeout");
        assertEquals(Errno.REVOKED, errno(watcher.ctx().signal(theirs, Signal.KILL)));
        assertFalse(kernel.table.get(child).orElseThrow().finished());
    }

    @Test
    void aProcessCanGiveAKillOnlyHandleToItselfToAnother() throws Exception {
        Proc victim = holder("victim");
        Proc other = holder("other");
        // A process holds no handle to an unrelated process.
        assertEquals(Errno.NO_CAPABILITY, errno(other.ctx().processHandle(victim.pid())));
        int killOnly = ok(victim.ctx().derive(victim.ctx().selfHandle(), Rights.of(Right.SIGNAL, Right.GRANT), 0));
        Capability moved = ok(space().detach(victim.process().capabilityTable(), killOnly, true));
        int theirs = ok(space().attach(other.process().capabilityTable(), moved));
        assertEquals(Errno.INVALID_HANDLE, errno(victim.ctx().identify(killOnly)), "moved away");
        assertEquals(Errno.MISSING_RIGHT, errno(other.ctx().processStatus(theirs)));
        ok(other.ctx().signal(theirs, Signal.KILL));
        assertEquals(ExitStatus.killed(Signal.KILL), exitOf(victim.process()));
        // The victim exited: its own table is released, the other's handle answers DEAD_PEER once it is reaped.
        Await.until("the victim to be reaped", () -> kernel.table.get(victim.pid()).isEmpty());
        assertEquals(Errno.DEAD_PEER, errno(other.ctx().signal(theirs, Signal.KILL)));
    }

    // ---- threads ----------------------------------------------------------------------------

    @Test
    void threadsByHandleStatusJoinAndTheirCapabilityEndsWithThem() throws Exception {
        Proc p = holder("threads");
        CountDownLatch go = new CountDownLatch(1);
        Thread t = ok(p.ctx().startThread("worker", () -> {
            try {
                go.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        int h = ok(p.ctx().threadHandle(t));
        CapabilityInfo info = ok(p.ctx().identify(h));
        assertEquals(ObjectType.THREAD, info.type());
        assertEquals("thread worker of pid " + p.pid(), info.object());
        assertEquals(Rights.of(Right.READ, Right.WAIT, Right.SIGNAL, Right.GRANT), info.rights());
        Await.until("the worker to block", () -> ok(p.ctx().threadStatus(h)).state().startsWith("Blocked"));
        assertEquals(new ThreadStatus("worker", p.pid(), "Blocked(wait)"), ok(p.ctx().threadStatus(h)));
        assertEquals(Errno.TIMEOUT, errno(p.ctx().join(h, Duration.ofMillis(20))));
        assertEquals(Errno.INVALID_ARGUMENT, errno(p.ctx().join(h, null)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(p.ctx().signal(h, Signal.CHLD)));
        int noWait = ok(p.ctx().derive(h, Rights.of(Right.READ), 0));
        assertEquals(Errno.MISSING_RIGHT, errno(p.ctx().join(noWait, Duration.ZERO)));

        CompletableFuture<SysResult<Void>> joined = CompletableFuture.supplyAsync(() -> {
            try {
                return p.ctx().join(h, Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(30);
        go.countDown();
        assertEquals(SysResult.ok(null), joined.get(5, TimeUnit.SECONDS));
        // The thread is gone, and so is every capability to it.
        Await.until("the thread's capabilities to end", () -> p.ctx().capabilities().stream().noneMatch(c -> c.handle() == h || c.handle() == noWait));
        assertEquals(Errno.DEAD_PEER, errno(p.ctx().threadStatus(h)));
        assertEquals(Errno.DEAD_PEER, errno(p.ctx().join(noWait, Duration.ZERO)));
    }

    @Test
    void manyShortThreadsDoNotFillTheTableAndAFullTableRefusesANewThread() throws Exception {
        Proc p = holder("churn");
        for (int i = 0; i < 300; i++) {
            Thread t = ok(p.ctx().startThread("t" + i, () -> { }));
            t.join(5000);
        }
        Await.until("finished threads' capabilities to end",
                () -> p.ctx().capabilities().stream().filter(c -> c.type() == ObjectType.THREAD).count() == 1);
        // Fill the table with derived self handles, then a thread is refused (no handle, no thread).
        int self = p.ctx().selfHandle();
        while (p.ctx().derive(self, Rights.of(Right.READ), 0).isOk()) { /* fill */ }
        int threadsBefore = p.process().threadCount();
        assertEquals(Errno.QUOTA_EXCEEDED, errno(p.ctx().startThread("one-too-many", () -> { })));
        assertEquals(threadsBefore, p.process().threadCount());
    }
}
