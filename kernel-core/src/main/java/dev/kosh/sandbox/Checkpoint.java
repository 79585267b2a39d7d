package dev.kosh.sandbox;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.MutableCallSite;
import java.lang.invoke.VarHandle;

/**
 * Preemption points and the kill rethrow, as inserted by the weaver.
 *
 * <p>{@link #poll()} runs on loop back-edges (and before calls inside loops) of woven code. It
 * invokes one shared {@link MutableCallSite} whose target is an empty method handle while no
 * checkpoint request is outstanding: the JIT inlines a call site's current target and records a
 * dependency on it, so in compiled code the fast path is <em>no instruction at all</em> (measured:
 * woven and plain copies of loop and nested-loop code run at the same speed; a volatile read per
 * poll cost +4 % and +17 %). When the kernel requests checkpoints
 * ({@link SandboxHooks.Installation#requestCheckpoints}) the target becomes the slow path, and
 * {@link MutableCallSite#syncAll} makes every thread see it at its next invocation of the site:
 * HotSpot deoptimizes the compiled code that inlined the old target, and a thread spinning in a
 * compiled loop leaves it at the loop's own safepoint poll. The price is on the kernel's side: a
 * change of the target throws away the compiled woven loop code of every process (it recompiles
 * within milliseconds) and waits for a handshake with every Java thread. So the target goes back
 * to empty only after requests have been quiet for a while (signals in a burst pay once); that is
 * fine for signals (KILL, STOP, CONT) but would not be for a per-timeslice preemption request
 * (docs/isolation.md). {@link #pollEntry()}, once per invocation outside loops, is a plain read;
 * {@link #pollRecursion()}, the same in recursive methods, has a call site of its own that a
 * request reaches only if it is still outstanding a few milliseconds later, so that a signal
 * deoptimizes recursive code only when a thread could not be reached otherwise.
 *
 * <p>{@link #caught(Throwable)} runs at the start of every exception handler of woven code and
 * rethrows {@link Killed}; it polls with a volatile read of {@link #requests} (handlers are not
 * hot).
 *
 * <p>Threading: {@link #poll()} and {@link #caught} are called by any sandboxed thread; the
 * installation's methods by kernel threads.
 */
public final class Checkpoint {
    /**
     * Outstanding checkpoint requests. Written only with {@link #REQUESTS} (atomic add, volatile
     * semantics) under {@link #INSTALL_LOCK}; read by the slow path with a volatile read, which
     * orders it after the kernel's write of whatever state the hooks will read (signal flags are
     * written before the request).
     */
    private static volatile int requests;
    /**
     * A plain copy of {@link #requests}, written after it under the install lock, for
     * {@link #pollEntry()} (and {@link #pollRecursion()} when polls are not folded). Plain, so the
     * JIT may merge its reads within one compiled body (e.g. across recursively inlined frames);
     * never read in a loop, so no read of it is hoisted out of one (every loop of woven code polls
     * with {@link #poll()}). HotSpot reads a static field again after every call that is not
     * inlined.
     */
    private static int pending;
    private static volatile SandboxHooks hooks;
    private static final Object INSTALL_LOCK = new Object(); // guards install/uninstall of hooks and the site's target
    /** How long requests must have been quiet before the sites are emptied again (one deoptimization). */
    private static final long RELINK_QUIET_NANOS = 100_000_000L;
    /**
     * How long a request may stay outstanding before {@link #ENTRY_SITE} is pointed at the slow
     * path too. Most threads reach a loop or handler point well within it (a loop at once, a
     * stack-overflow loop when its overflow has unwound: medians 0.7 ms with a 512 KiB stack,
     * 1.5 ms with 1 MiB, measured); only a thread in a recursion that reaches neither waits for
     * the escalation, and only then are the compiled frames of recursive code deoptimized.
     */
    static final long ESCALATE_NANOS = 4_000_000L;
    private static long lastChange;  // System.nanoTime() of the last request or release; guarded by INSTALL_LOCK
    private static long requestedSince; // System.nanoTime() when requests last went from 0 to 1; guarded by INSTALL_LOCK
    private static Thread relinker;  // started at install; guarded by INSTALL_LOCK

    private static final VarHandle REQUESTS;
    private static final MethodHandle NOTHING = MethodHandles.empty(MethodType.methodType(void.class));
    private static final MethodHandle SLOW;
    /** What {@link #poll()} invokes: {@link #NOTHING}, or {@link #SLOW} while requests are outstanding. */
    private static final MutableCallSite SITE = new MutableCallSite(NOTHING);
    /** A constant (static final) invoker of {@link #SITE}, so the JIT folds the site's target into {@link #poll()}. */
    private static final MethodHandle POLL = SITE.dynamicInvoker();
    /**
     * What {@link #pollRecursion()} invokes: {@link #NOTHING}, or {@link #SLOW} once a request has
     * been outstanding for {@link #ESCALATE_NANOS}. A site of its own, so that a signal does not
     * at once deoptimize recursive code: a kill then deoptimizes every compiled frame of a deep
     * recursion, and unwinding deoptimizes them one by one (a stack-overflow loop with a 1 MiB
     * stack: median 220 ms, measured), while with the site left alone the same loop dies at its
     * handler's point in ~1.5 ms.
     */
    private static final MutableCallSite ENTRY_SITE = new MutableCallSite(NOTHING);
    private static final MethodHandle ENTRY_POLL = ENTRY_SITE.dynamicInvoker();
    /**
     * Whether polls go through {@link #SITE} (free in compiled code) or read {@link #requests}
     * (a volatile read per poll, as on any JVM). The site relies on the JIT keeping a safepoint
     * poll in every loop, so that a thread in a compiled loop can be deoptimized: HotSpot does that
     * for counted loops only with {@code UseCountedLoopSafepoints}, which G1 (the default here),
     * ZGC and Shenandoah turn on and Serial and Parallel GC leave off. Without it, or when the flag
     * cannot be read, polls read the field.
     */
    static final boolean FOLDED = countedLoopsKeepSafepoints();

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            REQUESTS = lookup.findStaticVarHandle(Checkpoint.class, "requests", int.class);
            SLOW = lookup.findStatic(Checkpoint.class, "slowPoll", MethodType.methodType(void.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Checkpoint() {}

    /**
     * A preemption point. Free in compiled code while no request is outstanding; afterwards every
     * thread takes the slow path at its next point (including threads already inside a compiled
     * loop, which the JVM deoptimizes).
     */
    public static void poll() {
        // Kept under C1's inlining limit (MaxInlineSize, 35 bytes of bytecode): C1 does not inline
        // by frequency, and with the invoke and its handlers in here a C1-only JVM made a real
        // call per loop iteration (+70 % and +240 % on the loop benchmarks, measured).
        if (FOLDED) invokeSite();
        else if (requests != 0) slowPath();
    }

    /** Invokes {@link #SITE} through its constant invoker; what it throws passes as it is. */
    private static void invokeSite() {
        try {
            POLL.invokeExact();
        } catch (RuntimeException | Error e) {
            throw e; // a kill (Killed is an Error) and whatever the hooks throw pass as they are
        } catch (Throwable t) {
            throw new IllegalStateException("checkpoint slow path failed", t); // the targets throw nothing checked
        }
    }

    /** Invokes {@link #ENTRY_SITE}, as {@link #invokeSite()} (a method of its own, so each invoke stays a constant). */
    private static void invokeEntrySite() {
        try {
            ENTRY_POLL.invokeExact();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("checkpoint slow path failed", t);
        }
    }

    /**
     * How loop polls work in this JVM, for the kernel's boot line: the folded call site (free in
     * C2-compiled code) or a volatile read per poll (this JVM drops safepoints from counted loops,
     * as Serial GC without {@code UseCountedLoopSafepoints} does). Reading it gives no authority.
     */
    public static String mode() {
        return FOLDED ? "folded call sites" : "volatile reads (no counted-loop safepoints in this JVM)";
    }

    private static boolean countedLoopsKeepSafepoints() {
        try {
            var vm = java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            return vm != null && Boolean.parseBoolean(vm.getVMOption("UseCountedLoopSafepoints").getValue())
                    && Long.parseLong(vm.getVMOption("LoopStripMiningIter").getValue()) > 0;
        } catch (RuntimeException | LinkageError e) {
            return false; // not HotSpot, or no management: the volatile read works everywhere
        }
    }

    /**
     * A preemption point that runs at most once per invocation of the method it is in (outside
     * every loop of that method): before the first call of a straight-line run of code. A plain
     * read of {@link #pending}: the JIT may merge it within one compiled body, but never across a
     * call that is not inlined, and every loop still polls with {@link #poll()}. Not folded, so a
     * signal deoptimizes none of the code that has only these points (it costs ~13 % on
     * call-heavy code instead); recursive methods poll with {@link #pollRecursion()}.
     */
    public static void pollEntry() {
        if (pending != 0) slowPath();
    }

    /**
     * {@link #pollEntry()} for a method in a call cycle of its class (recursion, found by the
     * weaver): free in compiled code like {@link #poll()}, through a call site of its own that a
     * request reaches only if it is still outstanding {@link #ESCALATE_NANOS} later (see
     * {@link #ENTRY_SITE}); so a signal deoptimizes recursive code only when some thread has not
     * reached a loop or handler point by then. Without folding, the plain read of
     * {@link #pollEntry()}.
     */
    public static void pollRecursion() {
        if (FOLDED) invokeEntrySite(); // small enough for C1 to inline, as poll()
        else if (pending != 0) slowPath();
    }

    /** The site's target while requests are outstanding; a thread that sees it late finds none left. */
    private static void slowPoll() {
        if (requests != 0) slowPath();
    }

    /**
     * Points {@link #SITE} at the slow path as soon as a request is outstanding (synchronously:
     * when {@code requestCheckpoints} returns, no thread runs compiled loop code that skips the
     * check); {@link #ENTRY_SITE} follows on {@link #relinker} if the request is still outstanding
     * {@link #ESCALATE_NANOS} later. Back to the empty targets only after
     * {@link #RELINK_QUIET_NANOS} without requests, on {@link #relinker}: a kill's own release, and
     * the signals that follow within that time, then cost no deoptimization (the slow target is
     * one volatile read while nothing is requested). Caller holds INSTALL_LOCK.
     */
    private static void retarget() {
        boolean first = requests != 0 && pending == 0;
        pending = requests;
        if (!FOLDED) return; // polls read the field
        if (requests != 0 && SITE.getTarget() != SLOW) {
            SITE.setTarget(SLOW);
            MutableCallSite.syncAll(new MutableCallSite[] {SITE});
        }
        // measured from when the loop points see the request: the handshake itself can take
        // milliseconds on a loaded host, and a signal handled at once must not escalate
        lastChange = System.nanoTime();
        if (first) requestedSince = lastChange;
        INSTALL_LOCK.notifyAll(); // the relinker escalates or empties the sites
    }

    /**
     * Runs the slow target and one retarget cycle once, at install (boot: no woven code is compiled
     * yet, so nothing is deoptimized), so that the first kill does not pay for linking the
     * method-handle forms of the slow path (measured: the first kill in a fresh kernel took 117 ms
     * on a loaded host without this). Caller holds INSTALL_LOCK.
     */
    private static void warmUp() {
        try {
            SLOW.invokeExact();
            SITE.setTarget(SLOW);
            POLL.invokeExact();
            SITE.setTarget(NOTHING);
            ENTRY_SITE.setTarget(SLOW);
            ENTRY_POLL.invokeExact();
            ENTRY_SITE.setTarget(NOTHING);
            MutableCallSite.syncAll(new MutableCallSite[] {SITE, ENTRY_SITE});
            POLL.invokeExact();
            ENTRY_POLL.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("checkpoint warm-up failed", t);
        }
    }

    /**
     * The relinker's loop: points {@link #ENTRY_SITE} at the slow path once a request has been
     * outstanding for {@link #ESCALATE_NANOS} and the hooks still await a thread (asked again every
     * {@link #ESCALATE_NANOS} while the request is outstanding), and empties both sites once
     * requests have been quiet for {@link #RELINK_QUIET_NANOS}.
     */
    private static void relinkWhenQuiet() {
        long declinedAt = 0;      // when the hooks last said no thread is awaited
        long confirmedFor = -1;   // the requestedSince for which they last said yes
        while (true) {
            SandboxHooks ask = null;
            long askingFor = 0;
            synchronized (INSTALL_LOCK) {
                try {
                    long now = System.nanoTime();
                    if (requests != 0) {
                        long wait = Math.max(requestedSince, declinedAt) + ESCALATE_NANOS - now;
                        if (ENTRY_SITE.getTarget() == SLOW) {
                            INSTALL_LOCK.wait();
                        } else if (wait > 0) {
                            INSTALL_LOCK.wait(wait / 1_000_000, (int) (wait % 1_000_000));
                        } else if (confirmedFor == requestedSince) {
                            ENTRY_SITE.setTarget(SLOW);
                            MutableCallSite.syncAll(new MutableCallSite[] {ENTRY_SITE});
                        } else if (hooks == null) {
                            confirmedFor = requestedSince; // nobody to ask: escalating is always safe
                        } else {
                            ask = hooks; // asked outside the lock: the kernel's answer may take its own locks
                            askingFor = requestedSince;
                        }
                    } else if (SITE.getTarget() == NOTHING && ENTRY_SITE.getTarget() == NOTHING) {
                        INSTALL_LOCK.wait();
                    } else if (lastChange + RELINK_QUIET_NANOS - now > 0) {
                        INSTALL_LOCK.wait(Math.max(1, (lastChange + RELINK_QUIET_NANOS - now) / 1_000_000));
                    } else {
                        SITE.setTarget(NOTHING);
                        ENTRY_SITE.setTarget(NOTHING);
                        MutableCallSite.syncAll(new MutableCallSite[] {SITE, ENTRY_SITE});
                    }
                } catch (InterruptedException e) {
                    // nobody interrupts it on purpose; carry on relinking
                }
            }
            if (ask == null) continue;
            boolean awaited;
            try {
                awaited = ask.awaitingCheckpoint();
            } catch (RuntimeException | Error e) {
                // a failing answer must neither leave a recursion unkillable nor end this thread
                // (the sites would never be emptied or escalated again)
                awaited = true;
            }
            if (awaited) confirmedFor = askingFor; // escalates on the next pass if still outstanding
            else declinedAt = System.nanoTime();   // asks again ESCALATE_NANOS later
        }
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
            if (FOLDED) {
                warmUp();
                if (relinker == null) {
                    relinker = Thread.ofPlatform().daemon().name("kosh-checkpoint-relink").start(Checkpoint::relinkWhenQuiet);
                }
            }
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
                retarget();
            }
        }

        @Override
        public void releaseCheckpoints() {
            synchronized (INSTALL_LOCK) {
                requireCurrent();
                if (myRequests == 0) throw new IllegalStateException("no checkpoint request to release");
                myRequests--;
                REQUESTS.getAndAdd(-1);
                retarget();
            }
        }

        @Override
        public void uninstall() {
            synchronized (INSTALL_LOCK) {
                if (hooks != mine) return;
                REQUESTS.getAndAdd(-myRequests);
                retarget();
                myRequests = 0;
                hooks = null;
            }
        }

        private void requireCurrent() {
            if (hooks != mine) throw new IllegalStateException("these sandbox hooks were uninstalled");
        }
    }
}
