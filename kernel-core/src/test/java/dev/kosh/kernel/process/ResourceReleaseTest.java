package dev.kosh.kernel.process;

import static dev.kosh.kernel.process.ProcessLifecycleTest.await;
import static dev.kosh.kernel.testing.TestKernel.exitOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kosh.api.Errno;
import dev.kosh.api.ExitStatus;
import dev.kosh.api.Handle;
import dev.kosh.api.Signal;
import dev.kosh.api.SysResult;
import dev.kosh.kernel.journal.Severity;
import dev.kosh.kernel.testing.Await;
import dev.kosh.kernel.testing.TestImage;
import dev.kosh.kernel.testing.TestKernel;

/** When a process ends, the kernel releases everything it held: threads, services, handles. */
@Timeout(10)
class ResourceReleaseTest {
    private final TestKernel kernel = new TestKernel();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        release.countDown();
        kernel.close();
    }

    /** A program that publishes two services and starts three sleeping worker threads, then waits. */
    private TestImage holder(int exitCode) {
        return kernel.programs.add("holder", Set.of("publish"), ctx -> {
            ctx.publish(Runnable.class, () -> { }).orThrow();
            ctx.publish(AutoCloseable.class, () -> { }).orThrow();
            for (int i = 0; i < 3; i++) {
                ctx.startThread("worker-" + i, () -> {
                    try {
                        ctx.sleep(Duration.ofMinutes(1));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }).orThrow();
            }
            await(release);
            return exitCode;
        });
    }

    private void assertEverythingReleased(KoshProcess p, TestImage image, List<Thread> threads) throws InterruptedException {
        for (Thread t : threads) {
            t.join(Duration.ofSeconds(5));
            assertFalse(t.isAlive(), t.getName() + " ended");
        }
        assertEquals(0, p.threadCount(), "no thread of the process is registered");
        assertEquals(0, p.handleCount(), "no handle is held");
        assertEquals(2, image.published().size());
        for (TestImage.Published s : image.published()) assertEquals(1, s.closes().get(), s.type() + " withdrawn exactly once");
        assertEquals(List.of(), p.abandonedThreads());
    }

    @Test
    void normalExitReleasesEveryThreadServiceAndHandle() throws Exception {
        TestImage image = holder(0);
        KoshProcess p = kernel.spawn("holder");
        Await.until("holding", () -> p.threadCount() == 4 && p.handleCount() == 2, () -> p.threadCount() + " threads");
        List<Thread> threads = p.threads();
        release.countDown();
        assertEquals(ExitStatus.exited(0), exitOf(p));
        assertEverythingReleased(p, image, threads);
    }

    @Test
    void killReleasesEveryHandleAndThread() throws Exception {
        TestImage image = holder(0);
        KoshProcess p = kernel.spawn("holder");
        Await.until("holding", () -> p.threadCount() == 4 && p.handleCount() == 2);
        List<Thread> threads = p.threads();
        kernel.table.signal(p.pid(), Signal.KILL, "test");
        assertEquals(137, exitOf(p).code());
        assertEverythingReleased(p, image, threads);
    }

    @Test
    void crashReleasesEverythingToo() throws Exception {
        TestImage image = kernel.programs.add("crasher", Set.of("publish"), ctx -> {
            ctx.publish(Runnable.class, () -> { }).orThrow();
            ctx.publish(AutoCloseable.class, () -> { }).orThrow();
            ctx.startThread("worker", () -> {
                try {
                    ctx.sleep(Duration.ofMinutes(1));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }).orThrow();
            await(release);
            throw new IllegalStateException("fell over");
        });
        KoshProcess p = kernel.spawn("crasher");
        Await.until("holding", () -> p.threadCount() == 2 && p.handleCount() == 2);
        List<Thread> threads = p.threads();
        release.countDown();
        assertEquals(1, exitOf(p).code());
        assertEverythingReleased(p, image, threads);
    }

    @Test
    void handleClosedByTheProcessIsForgottenAndNotClosedAgain() throws Exception {
        CompletableFuture<Integer> heldAfterClose = new CompletableFuture<>();
        TestImage image = kernel.programs.add("tidy", Set.of("publish"), ctx -> {
            Handle h = ctx.publish(Runnable.class, () -> { }).orThrow();
            h.close();
            h.close(); // a second close is harmless
            heldAfterClose.complete(0);
            return 0;
        });
        KoshProcess p = kernel.spawn("tidy");
        heldAfterClose.get(5, TimeUnit.SECONDS);
        exitOf(p);
        assertEquals(1, image.published().getFirst().closes().get());
        assertEquals(0, p.handleCount());
    }

    @Test
    void aHandleThatFailsToCloseIsJournaledAndTheOthersStillClose() {
        List<String> closed = new java.util.concurrent.CopyOnWriteArrayList<>();
        kernel.programs.add(new TestImageWithFailingHandles(closed));
        KoshProcess p = kernel.spawn("failing-handles");
        assertEquals(0, exitOf(p).code());
        assertEquals(List.of("second", "first"), closed, "newest first, the failing one skipped");
        assertTrue(kernel.journal.has(Severity.WARN, p.label(), "closing"), kernel.journal.dump());
    }

    /** Publishes three services; the middle one's handle throws on close. */
    private static final class TestImageWithFailingHandles implements ProgramImage {
        private final List<String> closed;

        TestImageWithFailingHandles(List<String> closed) {
            this.closed = closed;
        }

        public String name() {
            return "failing-handles";
        }

        public String origin() {
            return "test";
        }

        public Set<String> declaredCapabilities() {
            return Set.of("publish");
        }

        public dev.kosh.api.Program instantiate() {
            return ctx -> {
                ctx.publish(Runnable.class, () -> { }).orThrow();
                ctx.publish(AutoCloseable.class, () -> { }).orThrow();
                ctx.publish(Comparable.class, o -> 0).orThrow();
                return 0;
            };
        }

        @Override
        public <S> Handle publish(Class<S> type, S service) {
            if (type == AutoCloseable.class) return () -> { throw new IllegalStateException("stuck"); };
            String name = type == Runnable.class ? "first" : "second";
            return () -> closed.add(name);
        }
    }

    @Test
    void threadQuotaIsEnforced() throws Exception {
        CompletableFuture<List<SysResult<Thread>>> results = new CompletableFuture<>();
        CountDownLatch workersMayEnd = new CountDownLatch(1);
        kernel.programs.add("greedy", Set.of(), ctx -> {
            List<SysResult<Thread>> out = new ArrayList<>();
            for (int i = 0; i < KoshProcess.DEFAULT_THREAD_QUOTA + 1; i++) {
                out.add(ctx.startThread("w" + i, () -> {
                    try {
                        workersMayEnd.await(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            results.complete(out);
            await(release);
            return 0;
        });
        KoshProcess p = kernel.spawn("greedy");
        List<SysResult<Thread>> out = results.get(5, TimeUnit.SECONDS);
        long ok = out.stream().filter(SysResult::isOk).count();
        assertEquals(KoshProcess.DEFAULT_THREAD_QUOTA - 1, ok, "the quota counts the main thread");
        var err = assertInstanceOf(SysResult.Err.class, out.get(KoshProcess.DEFAULT_THREAD_QUOTA - 1));
        assertEquals(Errno.QUOTA_EXCEEDED, err.errno());
        assertEquals(KoshProcess.DEFAULT_THREAD_QUOTA, p.threadCount());

        workersMayEnd.countDown();
        Await.until("workers ended", () -> p.threadCount() == 1);
    }

    @Test
    void aThreadThatThrowsIsJournaledAndTheProcessGoesOn() throws Exception {
        CompletableFuture<Boolean> alive = new CompletableFuture<>();
        kernel.programs.add("flaky", Set.of(), ctx -> {
            Thread t = ctx.startThread("bad", () -> {
                throw new IllegalArgumentException("worker broke");
            }).orThrow();
            t.join(5000);
            alive.complete(true);
            return 0;
        });
        KoshProcess p = kernel.spawn("flaky");
        assertTrue(alive.get(5, TimeUnit.SECONDS));
        assertEquals(0, exitOf(p).code());
        assertTrue(kernel.journal.has(Severity.WARN, p.label(), "thread pid-" + p.pid() + "/bad ended by java.lang.IllegalArgumentException: worker broke"),
                kernel.journal.dump());
    }

    @Test
    void cpuTimeIsFrozenAtExit() {
        kernel.programs.add("busy", Set.of(), ctx -> {
            long until = System.nanoTime() + 20_000_000;
            long x = 0;
            while (System.nanoTime() < until) x++;
            return x > 0 ? 0 : 1;
        });
        KoshProcess p = kernel.spawn("busy");
        exitOf(p);
        Duration cpu = p.cpuTime();
        assertTrue(cpu.toMillis() >= 1, "spent CPU: " + cpu);
        Await.until("main thread gone", () -> p.threadCount() == 0);
        assertEquals(cpu, p.cpuTime());
    }
}
