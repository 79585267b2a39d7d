package dev.kosh.sandbox;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Preemption points and the kill rethrow, as inserted by the weaver.
 *
 * <p>{@link #poll()} runs at every method entry and loop back-edge of woven code. Its fast path is
 * one volatile read of {@link #requests} and a not-taken branch; only while the kernel has a
 * request outstanding ({@link SandboxHooks.Installation#requestCheckpoints}) do threads take the
 * slow path and ask the hooks what to do. {@link #caught(Throwable)} runs at the start of every
 * exception handler of woven code and rethrows {@link Killed}.
 *
 * <p>Threading: {@link #poll()} and {@link #caught} are called by any sandboxed thread; the
 * installation's methods by kernel threads.
 */
public final class Checkpoint {
    /**
     * Outstanding checkpoint requests. Written only with {@link #REQUESTS} (atomic add, volatile
     * semantics); read by {@link #poll()} with a volatile read, which orders it after the kernel's
     * write of whatever state the hooks will read (signal flags are written before the request).
     */
    private static volatile int requests;
    /**
     * A plain copy of {@link #requests}, written after it under the install lock, for
     * {@link #pollEntry()}. Plain, so the JIT may merge its reads within one compiled body (e.g.
     * across recursively inlined frames); never read in a loop, so no read of it is hoisted out of
     * one (every loop of woven code polls with the volatile {@link #poll()}).
     */
    private static int pending;
    private static volatile SandboxHooks hooks;
    private static final Object INSTALL_LOCK = new Object(); // guards install/uninstall of hooks

    private static final VarHandle REQUESTS;

    static {
        try {
            REQUESTS = MethodHandles.lookup().findStaticVarHandle(Checkpoint.class, "requests", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Checkpoint() {}

    /**
     * A preemption point that cannot be hoisted out of a loop (volatile read). Inserted by the
     * weaver in loops: before a loop back-edge, or before a call inside a loop.
     */
    public static void poll() {
        if (requests != 0) slowPath();
    }

    /**
     * A preemption point that runs at most once per invocation of the method it is in (outside
     * every loop of that method): before the first call of a straight-line run of code. A plain
     * read, which the JIT can merge across inlined frames; each real invocation reads it again.
     */
    public static void pollEntry() {
        if (pending != 0) slowPath();
    }

    /**
     * The first thing every exception handler of woven code does: a kill cannot be caught, so the
     * caught throwable is rethrown at once if it is the kill error. It is also a preemption point,
     * so a loop made of exception edges (a handler that jumps back into its own try range) still
     * reaches one every iteration.
     */
    public static void caught(Throwable caught) {
        if (caught instanceof Killed k) throw k;
        if (requests != 0) slowPath();
    }

    private static void slowPath() {
        SandboxHooks h = hooks;
        if (h == null) return;
        Thread current = Thread.currentThread();
        while (true) {
            // An instanceof chain, not a pattern switch: a switch over the sealed Action would
            // bootstrap an invokedynamic typeSwitch on the first kill, costing milliseconds of
            // kill latency. The chain is still exhaustive over Action's four cases.
            Action a = h.atCheckpoint(current);
            if (a instanceof Action.Proceed) {
                return;
            } else if (a instanceof Action.Preempt) {
                h.yieldPermit(current);
                return;
            } else if (a instanceof Action.Stop) {
                h.awaitContinue(current);
            } else if (a instanceof Action.Kill k) {
                throw k.error();
            } else {
                throw new IllegalStateException("unknown checkpoint action " + a);
            }
        }
    }

    static SandboxHooks hooks() {
        return hooks;
    }

    static SandboxHooks.Installation install(SandboxHooks newHooks) {
        synchronized (INSTALL_LOCK) {
            if (hooks != null) throw new IllegalStateException("sandbox hooks are already installed");
            hooks = newHooks;
            return new Installed(newHooks);
        }
    }

    private static final class Installed implements SandboxHooks.Installation {
        private final SandboxHooks mine;
        private int myRequests; // guarded by INSTALL_LOCK

        Installed(SandboxHooks mine) {
            this.mine = mine;
        }

        @Override
        public void requestCheckpoints() {
            synchronized (INSTALL_LOCK) {
                requireCurrent();
                myRequests++;
                REQUESTS.getAndAdd(1); // volatile: visible to every poll() after the hooks' state
                pending = requests;
            }
        }

        @Override
        public void releaseCheckpoints() {
            synchronized (INSTALL_LOCK) {
                requireCurrent();
                if (myRequests == 0) throw new IllegalStateException("no checkpoint request to release");
                myRequests--;
                REQUESTS.getAndAdd(-1);
                pending = requests;
            }
        }

        @Override
        public void uninstall() {
            synchronized (INSTALL_LOCK) {
                if (hooks != mine) return;
                REQUESTS.getAndAdd(-myRequests);
                pending = requests;
                myRequests = 0;
                hooks = null;
            }
        }

        private void requireCurrent() {
            if (hooks != mine) throw new IllegalStateException("these sandbox hooks were uninstalled");
        }
    }
}
