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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kosh.api.Errno;
import dev.kosh.api.ExitStatus;
import dev.kosh.api.Program;
import dev.kosh.api.SysResult;
import dev.kosh.kernel.journal.Severity;
import dev.kosh.kernel.testing.Await;
import dev.kosh.kernel.testing.TestKernel;

@Timeout(10)
class ProcessLifecycleTest {
    private final TestKernel kernel = new TestKernel();
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicBoolean stopSpinning = new AtomicBoolean();

    @AfterEach
    void tearDown() {
        release.countDown();
        stopSpinning.set(true);
        kernel.close();
    }

    static void await(CountDownLatch latch) throws InterruptedException {
        if (!latch.await(5, TimeUnit.SECONDS)) throw new AssertionError("latch never released");
    }

    @Test
    void initIsPidOneAndReadyWithoutThreads() {
        assertEquals(ProcessTable.INIT_PID, kernel.init.pid());
        assertEquals(new ProcessState.Ready(), kernel.init.state());
        assertEquals("kernel", kernel.init.info().origin());
    }

    @Test
    void spawnedProcessRunsWithItsArgumentsOnAKernelThread() throws Exception {
        CompletableFuture<String> seen = new CompletableFuture<>();
        kernel.programs.add("echo", Set.of(), ctx -> {
            seen.complete(ctx.pid() + " " + ctx.parentPid() + " " + ctx.name() + " " + ctx.args() + " " + Thread.currentThread().getName());
            return 0;
        });
        KoshProcess p = kernel.spawn("echo", "a", "b c");
        assertEquals(p.pid() + " 1 echo [a, b c] pid-" + p.pid() + "/main", seen.get(5, TimeUnit.SECONDS));
        assertTrue(p.pid() > ProcessTable.INIT_PID);
    }

    @Test
    void pidsAreNeverReused() {
        kernel.programs.add("quick", Set.of(), ctx -> 0);
        KoshProcess a = kernel.spawn("quick");
        exitOf(a);
        Await.until("a is reaped", () -> kernel.table.get(a.pid()).isEmpty());
        KoshProcess b = kernel.spawn("quick");
        assertTrue(b.pid() > a.pid());
    }

    @Test
    void spinningProcessIsRunning() {
        kernel.programs.add("spin", Set.of(), ctx -> {
            while (!stopSpinning.get()) ctx.checkpoint();
            return 0;
        });
        KoshProcess p = kernel.spawn("spin");
        Await.until("running", () -> p.state() instanceof ProcessState.Running, () -> p.state().toString());
        assertEquals("Running", p.state().label());
    }

    @Test
    void sleepingProcessIsBlockedInSleep() {
        kernel.programs.add("sleeper", Set.of(), ctx -> {
            ctx.sleep(Duration.ofMinutes(1));
            return 0;
        });
        KoshProcess p = kernel.spawn("sleeper");
        Await.until("blocked in sleep", () -> p.state().equals(new ProcessState.Blocked(BlockReason.SLEEP)), () -> p.state().toString());
        assertEquals("Blocked(sleep)", p.state().label());
        assertEquals("blocked", p.state().kind());
    }

    @Test
    void exitCodeOfMainIsTheExitStatus() {
        kernel.programs.add("answer", Set.of(), ctx -> 42);
        ExitStatus status = exitOf(kernel.spawn("answer"));
        assertEquals(new ExitStatus(42, "exited with 42"), status);
        Await.until("journaled", () -> kernel.journal.has(Severity.WARN, "answer", "exited: exited with 42"), kernel.journal::dump);
    }

    @Test
    void successfulExitIsJournaledAsInfo() {
        kernel.programs.add("fine", Set.of(), ctx -> 0);
        assertTrue(exitOf(kernel.spawn("fine")).success());
        Await.until("journaled", () -> kernel.journal.has(Severity.INFO, "fine", "exited: exited with 0"), kernel.journal::dump);
    }

    @Test
    void uncaughtExceptionExitsWithOneAndIsJournaled() {
        kernel.programs.add("crash", Set.of(), ctx -> {
            throw new IllegalStateException("boom");
        });
        ExitStatus status = exitOf(kernel.spawn("crash"));
        assertEquals(1, status.code());
        assertTrue(status.reason().contains("IllegalStateException: boom"), status.reason());
        assertTrue(kernel.journal.has(Severity.ERROR, "crash", "crashed: java.lang.IllegalStateException: boom"), kernel.journal.dump());
    }

    @Test
    void childOfInitIsReapedAsSoonAsItExits() {
        kernel.programs.add("quick", Set.of(), ctx -> 0);
        KoshProcess p = kernel.spawn("quick");
        exitOf(p);
        Await.until("reaped by init", () -> kernel.table.get(p.pid()).isEmpty());
    }

    @Test
    void childZombieStaysUntilTheParentWaitsAndWaitReapsIt() throws Exception {
        CompletableFuture<Integer> childPid = new CompletableFuture<>();
        CountDownLatch mayWait = new CountDownLatch(1);
        CompletableFuture<SysResult<ExitStatus>> waited = new CompletableFuture<>();
        kernel.programs.add("child", Set.of(), ctx -> 7);
        kernel.programs.add("parent", Set.of("spawn"), ctx -> {
            int pid = ctx.spawn("child", List.of()).orThrow();
            childPid.complete(pid);
            await(mayWait);
            waited.complete(ctx.waitFor(pid, Duration.ofSeconds(5)));
            await(release);
            return 0;
        });
        KoshProcess parent = kernel.spawn("parent");
        int pid = childPid.get(5, TimeUnit.SECONDS);
        KoshProcess child = kernel.table.get(pid).orElseThrow();
        assertEquals(parent.pid(), child.parentPid());
        exitOf(child);
        assertEquals(new ProcessState.Zombie(ExitStatus.exited(7)), child.state());
        assertEquals("Zombie", kernel.table.get(pid).orElseThrow().state().label());

        mayWait.countDown();
        assertEquals(SysResult.ok(ExitStatus.exited(7)), waited.get(5, TimeUnit.SECONDS));
        assertTrue(kernel.table.get(pid).isEmpty(), "the zombie left the table");
    }

    @Test
    void waitingParentIsBlockedWaitingForItsChild() throws Exception {
        CompletableFuture<SysResult<ExitStatus>> waited = new CompletableFuture<>();
        kernel.programs.add("child", Set.of(), ctx -> {
            await(release);
            return 3;
        });
        kernel.programs.add("parent", Set.of("spawn"), ctx -> {
            int pid = ctx.spawn("child", List.of()).orThrow();
            waited.complete(ctx.waitFor(pid, Duration.ofSeconds(5)));
            return 0;
        });
        KoshProcess parent = kernel.spawn("parent");
        Await.until("parent blocked in wait", () -> parent.state().equals(new ProcessState.Blocked(BlockReason.WAIT_CHILD)),
                () -> parent.state().toString());
        release.countDown();
        assertEquals(SysResult.ok(ExitStatus.exited(3)), waited.get(5, TimeUnit.SECONDS));
    }

    @Test
    void waitForTimesOutAndLeavesTheChildAlone() throws Exception {
        CompletableFuture<SysResult<ExitStatus>> waited = new CompletableFuture<>();
        CompletableFuture<Integer> childPid = new CompletableFuture<>();
        kernel.programs.add("child", Set.of(), ctx -> {
            await(release);
            return 0;
        });
        kernel.programs.add("parent", Set.of("spawn"), ctx -> {
            int pid = ctx.spawn("child", List.of()).orThrow();
            childPid.complete(pid);
            waited.complete(ctx.waitFor(pid, Duration.ofMillis(20)));
            await(release);
            return 0;
        });
        kernel.spawn("parent");
        var err = assertInstanceOf(SysResult.Err.class, waited.get(5, TimeUnit.SECONDS));
        assertEquals(Errno.TIMEOUT, err.errno());
        assertTrue(kernel.table.get(childPid.get()).isPresent());
    }

    @Test
    void waitingForAProcessThatIsNotAChildIsRefused() throws Exception {
        kernel.programs.add("other", Set.of(), ctx -> {
            await(release);
            return 0;
        });
        KoshProcess sibling = kernel.spawn("other");
        CompletableFuture<SysResult<ExitStatus>> waited = new CompletableFuture<>();
        kernel.programs.add("nosy", Set.of(), ctx -> {
            waited.complete(ctx.waitFor(sibling.pid(), Duration.ofSeconds(1)));
            return 0;
        });
        kernel.spawn("nosy");
        var err = assertInstanceOf(SysResult.Err.class, waited.get(5, TimeUnit.SECONDS));
        assertEquals(Errno.NOT_A_CHILD, err.errno());
        assertTrue(err.message().contains("not a child"), err.message());
        assertTrue(kernel.table.get(sibling.pid()).isPresent(), "the sibling is untouched");
    }

    @Test
    void waitingForAnUnknownPidIsNoSuchProcess() throws Exception {
        CompletableFuture<SysResult<ExitStatus>> waited = new CompletableFuture<>();
        kernel.programs.add("waiter", Set.of(), ctx -> {
            waited.complete(ctx.waitFor(9999, Duration.ofSeconds(1)));
            return 0;
        });
        kernel.spawn("waiter");
        assertEquals(Errno.NO_SUCH_PROCESS, assertInstanceOf(SysResult.Err.class, waited.get(5, TimeUnit.SECONDS)).errno());
    }

    @Test
    void orphanIsAdoptedByInitAndReapedWhenItExits() throws Exception {
        CompletableFuture<Integer> childPid = new CompletableFuture<>();
        CompletableFuture<Integer> parentSeenByChild = new CompletableFuture<>();
        CountDownLatch childMayExit = new CountDownLatch(1);
        kernel.programs.add("orphan", Set.of(), ctx -> {
            await(childMayExit);
            parentSeenByChild.complete(ctx.parentPid());
            return 0;
        });
        kernel.programs.add("parent", Set.of("spawn"), ctx -> {
            childPid.complete(ctx.spawn("orphan", List.of()).orThrow());
            return 0;
        });
        KoshProcess parent = kernel.spawn("parent");
        exitOf(parent);
        KoshProcess child = kernel.table.get(childPid.get(5, TimeUnit.SECONDS)).orElseThrow();
        Await.until("adopted by init", () -> child.parentPid() == ProcessTable.INIT_PID); // just after the parent's exit status
        assertTrue(kernel.init.children().contains(child.pid()));

        childMayExit.countDown();
        assertEquals(ProcessTable.INIT_PID, parentSeenByChild.get(5, TimeUnit.SECONDS));
        exitOf(child);
        Await.until("init reaped the orphan", () -> kernel.table.get(child.pid()).isEmpty());
        assertFalse(kernel.init.children().contains(child.pid()));
    }

    @Test
    void zombieOrphanIsReapedWhenItsParentExits() throws Exception {
        CompletableFuture<Integer> childPid = new CompletableFuture<>();
        kernel.programs.add("child", Set.of(), ctx -> 5);
        kernel.programs.add("parent", Set.of("spawn"), ctx -> {
            childPid.complete(ctx.spawn("child", List.of()).orThrow());
            await(release);
            return 0;
        });
        KoshProcess parent = kernel.spawn("parent");
        KoshProcess child = kernel.table.get(childPid.get(5, TimeUnit.SECONDS)).orElseThrow();
        exitOf(child);
        assertInstanceOf(ProcessState.Zombie.class, child.state());
        assertTrue(kernel.table.get(child.pid()).isPresent(), "zombie kept for its parent");

        release.countDown();
        exitOf(parent);
        Await.until("init reaped the zombie orphan", () -> kernel.table.get(child.pid()).isEmpty());
    }

    @Test
    void programThatCannotBeInstantiatedIsNoSuchProgramAndJournaled() {
        kernel.programs.add(new ProgramImage() {
            public String name() {
                return "broken";
            }

            public String origin() {
                return "broken 1.0";
            }

            public Set<String> declaredCapabilities() {
                return Set.of();
            }

            public Program instantiate() {
                throw new NoClassDefFoundError("dev/kosh/Missing");
            }
        });
        var r = kernel.table.spawn(ProcessTable.SpawnRequest.of("broken", List.of(), 1, Set.of()));
        assertEquals(Errno.NO_SUCH_PROGRAM, assertInstanceOf(SysResult.Err.class, r).errno());
        assertTrue(kernel.journal.has(Severity.ERROR, "spawn", "cannot instantiate broken 1.0"), kernel.journal.dump());
    }

    @Test
    void snapshotListsEveryProcessInPidOrder() {
        kernel.programs.add("sleeper", Set.of("console"), ctx -> {
            ctx.sleep(Duration.ofMinutes(1));
            return 0;
        });
        KoshProcess a = kernel.spawn("sleeper", "x");
        KoshProcess b = kernel.spawn("sleeper");
        List<ProcessInfo> ps = kernel.table.snapshot();
        assertEquals(List.of(1, a.pid(), b.pid()), ps.stream().map(ProcessInfo::pid).toList());
        ProcessInfo info = ps.get(1);
        assertEquals(1, info.ppid());
        assertEquals("sleeper", info.name());
        assertEquals(List.of("x"), info.args());
        assertEquals("console", info.capabilities().toString());
        assertEquals(List.of(a, b), kernel.table.runningProgram("sleeper"));
    }
}
