package dev.kosh.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kosh.kernel.isolation.SandboxFixture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The sandbox runtime on its own: installation, the poll fast and slow paths, the kill rethrow, failing closed. */
@Timeout(10)
class CheckpointTest {
    static final class K extends Killed {
        K() {
            super("k");
        }
    }

    /** Hooks that count their calls and answer one fixed action. */
    static class Fixed implements SandboxHooks {
        final AtomicInteger asked = new AtomicInteger();
        volatile Action action = Action.PROCEED;

        public Action atCheckpoint(Thread current) {
            asked.incrementAndGet();
            return action;
        }

        public void yieldPermit(Thread current) {
            action = Action.PROCEED;
        }

        public void awaitContinue(Thread current) {
            action = Action.PROCEED;
        }

        public String denialForClass(String binaryName) {
            return binaryName.startsWith("bad.") ? "bad" : null;
        }

        public String denialForMember(Class<?> owner, String name, String descriptor) {
            return name.equals("bad") ? "bad" : null;
        }
    }

    @BeforeEach
    void removeTheSharedFixture() {
        SandboxFixture.uninstall();
    }

    @AfterEach
    void leaveNothingInstalled() {
        SandboxFixture.uninstall();
    }

    @Test
    void onlyOneInstallationAtATime() {
        SandboxHooks.Installation first = SandboxHooks.install(new Fixed());
        try {
            assertThrows(IllegalStateException.class, () -> SandboxHooks.install(new Fixed()));
        } finally {
            first.uninstall();
        }
        SandboxHooks.install(new Fixed()).uninstall();
    }

    @Test
    void pollAsksTheHooksOnlyWhileARequestIsOutstanding() {
        Fixed hooks = new Fixed();
        SandboxHooks.Installation inst = SandboxHooks.install(hooks);
        try {
            Checkpoint.poll();
            assertEquals(0, hooks.asked.get());
            inst.requestCheckpoints();
            inst.requestCheckpoints();
            Checkpoint.poll();
            assertEquals(1, hooks.asked.get());
            inst.releaseCheckpoints();
            Checkpoint.poll();
            assertEquals(2, hooks.asked.get());
            inst.releaseCheckpoints();
            Checkpoint.poll();
            assertEquals(2, hooks.asked.get());
            assertThrows(IllegalStateException.class, inst::releaseCheckpoints);
        } finally {
            inst.uninstall();
        }
    }

    /**
     * Entry points of recursive methods: with folding, a request reaches them only once it has
     * been outstanding for the escalation delay (so a signal answered at a loop point does not
     * deoptimize recursive code); without, at once. Plain entry points see it at once either way.
     */
    @Test
    void recursionPointsSeeARequestAfterTheEscalationDelay() throws InterruptedException {
        Fixed hooks = new Fixed();
        SandboxHooks.Installation inst = SandboxHooks.install(hooks);
        try {
            Checkpoint.pollRecursion();
            Checkpoint.pollEntry();
            assertEquals(0, hooks.asked.get());
            long t0 = System.nanoTime();
            inst.requestCheckpoints();
            Checkpoint.pollEntry();
            assertEquals(1, hooks.asked.get(), "a plain entry point sees the request at once");
            while (hooks.asked.get() == 1) {
                Checkpoint.pollRecursion();
                assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "the request never reached the recursion point");
                Thread.sleep(0, 100_000);
            }
            long waited = System.nanoTime() - t0;
            if (Checkpoint.FOLDED) {
                assertTrue(waited >= Checkpoint.ESCALATE_NANOS, "escalated after " + waited + " ns");
            }
            inst.releaseCheckpoints();
            int asked = hooks.asked.get();
            Checkpoint.pollRecursion();
            Checkpoint.pollEntry();
            Checkpoint.poll();
            assertEquals(asked, hooks.asked.get(), "nothing outstanding: no point asks");
        } finally {
            inst.uninstall();
        }
    }

    /** While the kernel awaits no thread (all stopped or blocked), recursive code is left alone. */
    @Test
    void recursionPointsAreNotEscalatedWhileTheKernelAwaitsNoThread() throws InterruptedException {
        java.util.concurrent.atomic.AtomicBoolean awaiting = new java.util.concurrent.atomic.AtomicBoolean(false);
        Fixed hooks = new Fixed() {
            @Override
            public boolean awaitingCheckpoint() {
                return awaiting.get();
            }
        };
        SandboxHooks.Installation inst = SandboxHooks.install(hooks);
        try {
            inst.requestCheckpoints();
            long until = System.nanoTime() + 10 * Checkpoint.ESCALATE_NANOS;
            while (System.nanoTime() < until) {
                Checkpoint.pollRecursion();
                Thread.sleep(1);
            }
            assertEquals(Checkpoint.FOLDED ? 0 : 1, Math.min(1, hooks.asked.get()), "asked " + hooks.asked.get() + " times");
            awaiting.set(true);
            long t0 = System.nanoTime();
            while (hooks.asked.get() == 0) {
                Checkpoint.pollRecursion();
                assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "never escalated once a thread was awaited");
                Thread.sleep(0, 100_000);
            }
            inst.releaseCheckpoints();
        } finally {
            inst.uninstall();
        }
    }

    /** Hooks that fail to answer are taken as awaiting a thread: escalating is always safe. */
    @Test
    void aFailingAnswerEscalates() throws InterruptedException {
        Fixed hooks = new Fixed() {
            @Override
            public boolean awaitingCheckpoint() {
                throw new IllegalStateException("broken kernel hook");
            }
        };
        SandboxHooks.Installation inst = SandboxHooks.install(hooks);
        try {
            inst.requestCheckpoints();
            long t0 = System.nanoTime();
            while (hooks.asked.get() == 0) {
                Checkpoint.pollRecursion();
                assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "never escalated");
                Thread.sleep(0, 100_000);
            }
            inst.releaseCheckpoints();
        } finally {
            inst.uninstall();
        }
    }

    @Test
    void killActionThrowsTheKernelsErrorAndStopAsksAgain() {
        Fixed hooks = new Fixed();
        SandboxHooks.Installation inst = SandboxHooks.install(hooks);
        try {
            inst.requestCheckpoints();
            K k = new K();
            hooks.action = new Action.Kill(k);
            assertSame(k, assertThrows(K.class, Checkpoint::poll));
            hooks.action = Action.STOP;
            Checkpoint.poll(); // awaitContinue flips to PROCEED; the checkpoint asks again and returns
            assertEquals(3, hooks.asked.get());
        } finally {
            inst.uninstall();
        }
    }

    @Test
    void caughtRethrowsOnlyTheKillError() {
        K k = new K();
        assertSame(k, assertThrows(K.class, () -> Checkpoint.caught(k)));
        Checkpoint.caught(new RuntimeException("ordinary"));
        Checkpoint.caught(new StackOverflowError());
    }

    @Test
    void guardsFailClosedWithoutHooksAndApplyTheHooksPolicy() {
        var e = assertThrows(SecurityException.class, () -> Guard.forName("java.lang.String"));
        assertTrue(e.getMessage().contains("not installed"), e.getMessage());
        SandboxHooks.Installation inst = SandboxHooks.install(new Fixed());
        try {
            Guard.forName("java.lang.String");
            var refused = assertThrows(SecurityException.class, () -> Guard.forName("bad.Thing"));
            assertEquals("Class.forName(\"bad.Thing\") refused: bad", refused.getMessage());
        } finally {
            inst.uninstall();
        }
    }

    @Test
    void uninstallDropsOutstandingRequests() {
        Fixed hooks = new Fixed();
        SandboxHooks.Installation inst = SandboxHooks.install(hooks);
        inst.requestCheckpoints();
        inst.uninstall();
        Fixed next = new Fixed();
        SandboxHooks.Installation again = SandboxHooks.install(next);
        try {
            Checkpoint.poll();
            assertEquals(0, next.asked.get());
        } finally {
            again.uninstall();
        }
    }
}
