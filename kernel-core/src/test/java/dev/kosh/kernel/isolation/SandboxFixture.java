package dev.kosh.kernel.isolation;

import dev.kosh.sandbox.Action;
import dev.kosh.sandbox.Killed;
import dev.kosh.sandbox.SandboxHooks;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The test kernel's sandbox hooks: installed once per JVM (lazily, again after a test uninstalled
 * them), driven per thread by the tests: kill, stop, continue, preempt.
 */
public final class SandboxFixture {
    private static TestHooks hooks;
    private static SandboxHooks.Installation installation;

    /**
     * The shipped policy plus one line: the test corpus lives under {@code dev.kosh.kernel}, which
     * the shipped policy refuses, and must be able to name its own classes.
     */
    public static final DenyPolicy POLICY = DenyPolicy.standard().plus(
            "allow dev.kosh.kernel.isolation.corpus.* * the test corpus names its own classes", "test");

    private SandboxFixture() {}

    /** A weaver with {@link #POLICY}. */
    public static ClassWeaver weaver() {
        return new ClassWeaver(new ClassVerifier(POLICY));
    }

    /** The installed test hooks (installing them if needed). */
    public static synchronized TestHooks hooks() {
        if (hooks == null) {
            hooks = new TestHooks();
            installation = SandboxHooks.install(hooks);
        }
        return hooks;
    }

    /** Removes the test hooks (for tests of installation itself). */
    public static synchronized void uninstall() {
        if (installation != null) installation.uninstall();
        hooks = null;
        installation = null;
    }

    /** The error test kills throw. */
    public static final class TestKilled extends Killed {
        TestKilled(String who) {
            super("killed by the test: " + who);
        }
    }

    public static final class TestHooks extends PolicyHooks {
        private final Map<Thread, Action> actions = new ConcurrentHashMap<>();
        private final Object stopMonitor = new Object();
        public final AtomicInteger preemptions = new AtomicInteger();
        public final AtomicInteger checkpointCalls = new AtomicInteger();
        /** What woven printStackTrace() calls handed to the kernel, in order. */
        public final java.util.List<String> stackTraces = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void stackTrace(Thread current, String trace) {
            stackTraces.add(trace);
        }

        TestHooks() {
            super(POLICY);
        }

        /** A thread with an action that is still runnable may not have reached a point yet. */
        @Override
        public boolean awaitingCheckpoint() {
            for (Thread t : actions.keySet()) if (t.getState() == Thread.State.RUNNABLE) return true;
            return false;
        }

        @Override
        public Action atCheckpoint(Thread current) {
            checkpointCalls.incrementAndGet();
            return actions.getOrDefault(current, Action.PROCEED);
        }

        @Override
        public void yieldPermit(Thread current) {
            preemptions.incrementAndGet();
        }

        @Override
        public void awaitContinue(Thread current) {
            synchronized (stopMonitor) {
                while (actions.get(current) == Action.STOP) {
                    try {
                        stopMonitor.wait();
                    } catch (InterruptedException e) {
                        return; // asked again at once by the checkpoint
                    }
                }
            }
        }

        public void kill(Thread t) {
            set(t, new Action.Kill(new TestKilled(t.getName())));
        }

        public void stop(Thread t) {
            set(t, Action.STOP);
        }

        public void preempt(Thread t) {
            set(t, Action.PREEMPT);
        }

        public void cont(Thread t) {
            synchronized (stopMonitor) {
                if (actions.remove(t) != null) installation.releaseCheckpoints();
                stopMonitor.notifyAll();
            }
        }

        /** Forgets a thread's action (after it was killed). */
        public void clear(Thread t) {
            cont(t);
        }

        private void set(Thread t, Action a) {
            synchronized (stopMonitor) {
                Action old = actions.put(t, a);
                if (old == null) installation.requestCheckpoints();
                stopMonitor.notifyAll();
            }
        }
    }
}
