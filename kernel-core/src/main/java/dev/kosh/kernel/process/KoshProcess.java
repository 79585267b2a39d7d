package dev.kosh.kernel.process;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import dev.kosh.api.Errno;
import dev.kosh.api.ExitStatus;
import dev.kosh.api.Handle;
import dev.kosh.api.Signal;
import dev.kosh.api.SysResult;
import dev.kosh.sandbox.SandboxHooks;
import dev.kosh.kernel.cap.CapabilityTable;

/**
 * The process control block: identity, threads, held handles, signal state and exit status of
 * one process.
 *
 * <p>Lifecycle: created (Ready) → started (its main thread runs) → finished (Zombie, every
 * resource released) → reaped (gone from the table). {@link #finish} runs once, whichever thread
 * gets there first (the main thread returning, or the kernel completing a kill).
 *
 * <p>Threading: signal flags are volatile and may be set from any thread; {@link #handles} is
 * guarded by its own monitor; the thread set and block reasons are concurrent maps.
 */
public final class KoshProcess {
    /** Default limit on live threads per process ({@link ProcessLimits#DEFAULT_THREADS}). */
    public static final int DEFAULT_THREAD_QUOTA = ProcessLimits.DEFAULT_THREADS;
    /** Rights of the capability a process gets to each of its threads: status, join, signal, grant. */
    static final dev.kosh.api.Rights THREAD_RIGHTS = dev.kosh.api.Rights.of(dev.kosh.api.Right.READ, dev.kosh.api.Right.WAIT,
            dev.kosh.api.Right.SIGNAL, dev.kosh.api.Right.GRANT);
    /** How long finishing waits for the other threads of a process to unwind. */
    private static final Duration UNWIND_GRACE = Duration.ofMillis(200);

    private final int pid;
    private volatile int parentPid;
    private final String name;
    private final ProgramImage image; // null for kernel processes (init)
    private final List<String> args;
    private final CapabilitySet capabilities;
    private final Priority priority;
    private final Instant started = Instant.now();
    private final ProcessLimits limits;
    /** Thread requests refused by the quota (the process table kills a process that keeps asking). */
    private final java.util.concurrent.atomic.AtomicInteger refusedThreads = new java.util.concurrent.atomic.AtomicInteger();
    /** Why the kernel killed the process (a quota), or null: its exit status says so. */
    private volatile String killReason;
    private final ThreadHost host;
    private final CapabilityTable capabilityTable;
    private volatile java.util.function.LongConsumer signalObserver;

    private final Map<Thread, Boolean> threads = new ConcurrentHashMap<>();
    private final Map<Thread, BlockReason> blocked = new ConcurrentHashMap<>();
    private final AtomicLong finishedThreadsCpu = new AtomicLong();
    private final AtomicLong finishedThreadsAllocated = new AtomicLong();
    private final Set<Integer> children = ConcurrentHashMap.newKeySet();
    private final Deque<Handle> handles = new ArrayDeque<>(); // guarded by itself
    private volatile Thread mainThread;
    /** This process as a kernel object (what process capabilities name); set by the table at spawn. */
    private volatile ProcessObject object;
    /** The kernel object of each live thread (what thread capabilities name). */
    private final Map<Thread, ThreadObject> threadObjects = new ConcurrentHashMap<>();

    private volatile boolean terminationRequested;
    private volatile Signal terminationSignal; // the first of TERM, INT, HUP delivered, or null
    private volatile boolean killed;
    private volatile boolean stopped;
    private final Object stopMonitor = new Object();
    /** Some live thread has a pending thread KILL or STOP (the fast check at every kernel entry). */
    private volatile boolean threadSignalled;
    private final AtomicBoolean threadCheckpoints = new AtomicBoolean();
    /** The main thread was killed by its thread capability: the process ends with its last thread. */
    private volatile boolean mainKilled;
    /** What the table does when the last thread of a process whose main thread was killed ends. */
    private volatile Runnable lastThreadEnded;
    /** The signal a kernel kill reports in the exit status (KILL, or SEGV for a fatal fault). */
    private volatile Signal fatalSignal;

    private final AtomicBoolean finishing = new AtomicBoolean();

    /** The process whose thread is running (null on kernel threads). */
    private static final ThreadLocal<KoshProcess> CURRENT = new ThreadLocal<>();

    /** Woven code leaves its fast path only while the kernel has a request outstanding. */
    private volatile SandboxHooks.Installation sandbox;
    private final AtomicBoolean killCheckpoints = new AtomicBoolean();
    private final AtomicBoolean stopCheckpoints = new AtomicBoolean();
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    private volatile long frozenCpuNanos = -1;
    private volatile List<String> abandonedThreads = List.of();

    KoshProcess(int pid, int parentPid, String name, ProgramImage image, List<String> args,
                CapabilitySet capabilities, Priority priority, ProcessLimits limits, ThreadHost host,
                dev.kosh.kernel.cap.CapabilitySpace space) {
        this.pid = pid;
        this.parentPid = parentPid;
        this.name = name;
        this.image = image;
        this.args = List.copyOf(args);
        this.capabilities = capabilities;
        this.priority = priority;
        this.limits = limits;
        this.host = host;
        this.capabilityTable = space.newTable(pid, label(), CapabilityTable.DEFAULT_QUOTA);
    }

    public int pid() {
        return pid;
    }

    public int parentPid() {
        return parentPid;
    }

    void reparent(int newParent) {
        parentPid = newParent;
    }

    public String name() {
        return name;
    }

    public List<String> args() {
        return args;
    }

    /** The program this process runs, or null for a kernel process. */
    public ProgramImage image() {
        return image;
    }

    public CapabilitySet capabilities() {
        return capabilities;
    }

    /** The process's capability table: the handles it holds to kernel objects. */
    public CapabilityTable capabilityTable() {
        return capabilityTable;
    }

    /**
     * Called with {@link Signal#bit()} after each signal's own effect (the IPC module binds a
     * notification here: {@code Ipc.bindSignals}); null unbinds. Any thread.
     */
    public void observeSignals(java.util.function.LongConsumer observer) {
        signalObserver = observer;
    }

    public Priority priority() {
        return priority;
    }

    /** The quotas this process runs under, fixed at spawn. */
    public ProcessLimits limits() {
        return limits;
    }

    public Instant started() {
        return started;
    }

    Set<Integer> children() {
        return children;
    }

    /** A label for journal entries: {@code pid 7 hello}. */
    public String label() {
        return "pid " + pid + " " + name;
    }

    // ---- threads ----------------------------------------------------------------------------

    /**
     * Creates and starts a thread of this process. The thread is registered before it starts, so
     * a kill racing with the start still reaches it.
     */
    SysResult<Thread> startThread(String threadName, Runnable body, ThreadFailureHandler onFailure) {
        if (finishing.get() || killed) return SysResult.err(Errno.CLOSED, label() + " is terminating");
        if (threads.size() >= limits.threads()) {
            refusedThreads.incrementAndGet();
            return SysResult.err(Errno.QUOTA_EXCEEDED, label() + " already has " + threads.size() + " threads (quota " + limits.threads() + ")");
        }
        ThreadBody task = new ThreadBody(body, onFailure);
        Thread t = host.newThread(this, threadName, task);
        task.thread = t;
        // The process gets a capability to the thread before it runs, so a thread that ends at once
        // still ends its capability (and a full table refuses the thread rather than losing the handle).
        ThreadObject to = new ThreadObject(pid, threadName, t);
        SysResult<Integer> handle = capabilityTable.space().create(capabilityTable, to,
                THREAD_RIGHTS, 0);
        if (handle instanceof SysResult.Err<Integer> err) return SysResult.err(err.errno(), "no capability for a new thread: " + err.message());
        task.object = to;
        threadObjects.put(t, to);
        threads.put(t, Boolean.TRUE);
        if (mainThread == null) mainThread = t;
        t.start();
        return SysResult.ok(t);
    }

    /**
     * The task of a process thread. It forgets the program's code when the thread ends: a
     * terminated {@link Thread} still holds its task, and libraries (Chronicle's thread-local
     * cleaner, for one) may keep dead threads reachable for a while, which must not keep an
     * updated bundle's old revision alive.
     */
    private final class ThreadBody implements Runnable {
        private Runnable body;
        private ThreadFailureHandler onFailure;
        private Thread thread;
        private ThreadObject object;

        ThreadBody(Runnable body, ThreadFailureHandler onFailure) {
            this.body = body;
            this.onFailure = onFailure;
        }

        @Override
        public void run() {
            CURRENT.set(KoshProcess.this);
            try {
                body.run();
            } catch (ProcessKilled k) {
                // unwinding a killed process: the expected end of this thread
            } catch (ThreadKilled k) {
                // this thread alone was killed by its capability: the expected end of it
            } catch (Throwable failure) {
                if (!killed) onFailure.failed(KoshProcess.this, thread, failure);
            } finally {
                body = null;
                onFailure = null;
                long cpu = host.currentThreadCpuTimeNanos();
                if (cpu > 0) finishedThreadsCpu.addAndGet(cpu);
                long allocated = host.currentThreadAllocatedBytes();
                if (allocated > 0) finishedThreadsAllocated.addAndGet(allocated);
                blocked.remove(thread);
                threads.remove(thread);
                threadObjects.remove(thread);
                ThreadObject o = object;
                object = null;
                if (o != null) {
                    o.end();
                    capabilityTable.space().destroy(o, dev.kosh.kernel.cap.EndReason.OBJECT_DESTROYED);
                    if (o.killed() || o.stopped()) updateThreadSignals();
                }
                thread = null;
                if (mainKilled && threads.isEmpty()) {
                    Runnable last = lastThreadEnded;
                    if (last != null) last.run(); // the process ends with its last thread (once: finish is idempotent)
                }
                CURRENT.remove();
            }
        }
    }

    /** What the kernel does when a thread of a process throws. */
    @FunctionalInterface
    interface ThreadFailureHandler {
        void failed(KoshProcess process, Thread thread, Throwable failure);
    }

    public int threadCount() {
        return threads.size();
    }

    /** How many thread requests the quota has refused so far. */
    int refusedThreadRequests() {
        return refusedThreads.get();
    }

    /**
     * Bytes allocated by threads of this process that have ended (each adds its counter as it
     * ends). The allocation watchdog adds the live threads' counters to this.
     */
    public long finishedThreadsAllocatedBytes() {
        return finishedThreadsAllocated.get();
    }

    /** Live threads of this process (a copy). */
    public List<Thread> threads() {
        return new ArrayList<>(threads.keySet());
    }

    /** The kernel object of a live thread of this process, or null. */
    ThreadObject threadObject(Thread t) {
        return t == null ? null : threadObjects.get(t);
    }

    /** This process as a kernel object (null for a process the table did not make one for). */
    ProcessObject object() {
        return object;
    }

    void object(ProcessObject o) {
        object = o;
    }

    private volatile int selfHandle;

    /** The handle of this process's capability to itself (0 if it has none). */
    int selfHandle() {
        return selfHandle;
    }

    void selfHandle(int h) {
        selfHandle = h;
    }

    boolean isThreadOf(Thread t) {
        return threads.containsKey(t);
    }

    // ---- handles ----------------------------------------------------------------------------

    /** Records a handle the process holds; refused once the process is finishing (the handle is closed at once). */
    SysResult<Handle> hold(Handle handle) {
        synchronized (handles) {
            if (!finishing.get()) {
                handles.push(handle);
                return SysResult.ok(new HeldHandle(handle));
            }
        }
        handle.close();
        return SysResult.err(Errno.CLOSED, label() + " is terminating");
    }

    public int handleCount() {
        synchronized (handles) {
            return handles.size();
        }
    }

    /** The process's view of a held handle: closing it also forgets it. */
    private final class HeldHandle implements Handle {
        private final Handle inner;

        HeldHandle(Handle inner) {
            this.inner = inner;
        }

        @Override
        public void close() {
            boolean mine;
            synchronized (handles) {
                mine = handles.remove(inner);
            }
            if (mine) inner.close();
        }
    }

    // ---- signals ----------------------------------------------------------------------------

    /** Delivers a signal's immediate effect; the table decides what follows (escalation, reaping). */
    /** The process of the calling thread, or null on a kernel thread. */
    static KoshProcess current() {
        return CURRENT.get();
    }

    void useSandbox(SandboxHooks.Installation installation) {
        this.sandbox = installation;
    }

    private volatile ClientWatches clientWatches;

    void useClientWatches(ClientWatches watches) {
        this.clientWatches = watches;
    }

    /** The kernel's death-notification registry (the IPC module's {@code watchClients} uses it), or null outside a process table. */
    public ClientWatches clientWatches() {
        return clientWatches;
    }

    private void requestCheckpoints(AtomicBoolean which) {
        SandboxHooks.Installation s = sandbox;
        if (s != null && which.compareAndSet(false, true)) s.requestCheckpoints();
    }

    private void releaseCheckpoints(AtomicBoolean which) {
        SandboxHooks.Installation s = sandbox;
        if (s != null && which.compareAndSet(true, false)) s.releaseCheckpoints();
    }

    void deliver(Signal signal) {
        switch (signal) {
            case KILL -> {
                killed = true;
                requestCheckpoints(killCheckpoints);
                wakeStopped();
                interruptAll();
            }
            case TERM, INT, HUP -> {
                if (terminationSignal == null) terminationSignal = signal;
                terminationRequested = true;
                interruptAll();
            }
            case STOP -> {
                stopped = true;
                requestCheckpoints(stopCheckpoints);
            }
            case CONT -> {
                stopped = false;
                releaseCheckpoints(stopCheckpoints);
                wakeStopped();
            }
            case SEGV -> { /* raised by the kernel on a fault; the table applies the default action */ }
            case CHLD -> { /* parents learn of children through waitFor, or a bound notification */ }
            case QUOTA -> { /* a soft limit: the process learns through a bound notification; the hard limit kills */ }
        }
        java.util.function.LongConsumer observer = signalObserver;
        if (observer != null) observer.accept(signal.bit());
    }

    /**
     * Delivers a thread signal to one live thread of this process (KILL, STOP or CONT; the caller
     * checked the capability and the signal). KILL marks the thread and interrupts it, so a blocking
     * kernel call returns into its checkpoint; the thread unwinds with {@link ThreadKilled} there.
     */
    void deliverToThread(ThreadObject o, Signal signal) {
        switch (signal) {
            case KILL -> o.kill();
            case STOP -> o.stop(true);
            case CONT -> o.stop(false);
            default -> throw new IllegalArgumentException(signal + " is not a thread signal");
        }
        updateThreadSignals();
        if (signal != Signal.STOP) wakeStopped();
        Thread t = o.thread();
        if (signal == Signal.KILL && t != null && t != Thread.currentThread()) t.interrupt();
    }

    /** Recomputes whether any live thread has a thread signal pending, and asks woven code for checkpoints while one has. */
    private void updateThreadSignals() {
        synchronized (threadCheckpoints) {
            boolean any = false;
            for (ThreadObject o : threadObjects.values()) {
                if (o.killed() || o.stopped()) {
                    any = true;
                    break;
                }
            }
            threadSignalled = any;
            // Once finishing, only release: a flagged thread that never unwinds (abandoned) must not
            // keep woven code everywhere on the slow path after its process is gone.
            if (any && !finishing.get()) requestCheckpoints(threadCheckpoints);
            else releaseCheckpoints(threadCheckpoints);
        }
    }

    /** The kernel object of the calling thread when a thread signal may be pending for it, else null (cheap). */
    ThreadObject signalledThread(Thread current) {
        return threadSignalled ? threadObjects.get(current) : null;
    }

    /** The main thread was killed by its capability; {@code whenLastEnds} finishes the process once no thread is left. */
    void mainThreadKilled(Runnable whenLastEnds) {
        lastThreadEnded = whenLastEnds;
        mainKilled = true;
    }

    private void wakeStopped() {
        synchronized (stopMonitor) {
            stopMonitor.notifyAll();
        }
    }

    private void interruptAll() {
        for (Thread t : threads.keySet()) {
            if (t != Thread.currentThread()) t.interrupt();
        }
    }

    public boolean terminationRequested() {
        return terminationRequested || killed;
    }

    /** The first TERM, INT or HUP this process was sent, or null. */
    Signal terminationSignal() {
        return terminationSignal;
    }

    public boolean killed() {
        return killed;
    }

    /** Records why the kernel is killing the process (the first reason wins); the exit status carries it. */
    void killBecause(String reason) {
        if (killReason == null) killReason = reason;
    }

    /** Records that the kernel kills the process for {@code signal} (SEGV: a fatal fault); the first wins. */
    void killBecause(Signal signal, String reason) {
        if (fatalSignal == null) fatalSignal = signal;
        killBecause(reason);
    }

    /** The exit status of this process killed by KILL (or a fatal fault): with the kernel's reason when it had one. */
    ExitStatus killedStatus() {
        String reason = killReason;
        Signal fatal = fatalSignal;
        ExitStatus plain = ExitStatus.killed(fatal == null ? Signal.KILL : fatal);
        return reason == null ? plain : new ExitStatus(plain.code(), plain.reason() + " (" + reason + ")");
    }

    public boolean stopped() {
        return stopped;
    }

    /**
     * A kernel entry point: kill takes effect here (the thread unwinds with {@link ProcessKilled})
     * and a stopped process waits here until it is continued.
     */
    public void checkpoint() {
        if (killed && isThreadOf(Thread.currentThread())) throw new ProcessKilled(pid);
        if (stopped && isThreadOf(Thread.currentThread())) {
            awaitContinue();
            if (killed) throw new ProcessKilled(pid);
        }
        if (threadSignalled) threadCheckpoint();
    }

    /** The thread signals of the calling thread: unwind if it was killed, wait while it is stopped. */
    private void threadCheckpoint() {
        ThreadObject o = threadObjects.get(Thread.currentThread());
        if (o == null) return;
        if (o.stopped() && !o.killed()) awaitContinue();
        if (killed) throw new ProcessKilled(pid);
        if (o.killed()) throw new ThreadKilled(pid, o.name());
    }

    /** Holds the calling thread while the process (or this thread alone) is stopped; returns on CONT or KILL. */
    void awaitContinue() {
        ThreadObject own = threadObjects.get(Thread.currentThread());
        blocked.put(Thread.currentThread(), BlockReason.STOPPED);
        try {
            synchronized (stopMonitor) {
                while ((stopped || own != null && own.stopped()) && !killed && !(own != null && own.killed())) {
                    try {
                        stopMonitor.wait();
                    } catch (InterruptedException e) {
                        if (killed || own != null && own.killed()) break; // otherwise keep waiting: only CONT or KILL ends a stop
                    }
                }
            }
        } finally {
            blocked.remove(Thread.currentThread());
        }
    }

    /** Marks the calling thread blocked in the kernel for {@code reason} until the returned scope closes. */
    public BlockScope block(BlockReason reason) {
        Thread t = Thread.currentThread();
        blocked.put(t, reason);
        return () -> blocked.remove(t);
    }

    public interface BlockScope extends AutoCloseable {
        @Override
        void close();
    }

    // ---- state ------------------------------------------------------------------------------

    public ProcessState state() {
        ExitStatus status = exit.getNow(null);
        if (status != null) return new ProcessState.Zombie(status);
        if (mainThread == null) return threads.isEmpty() ? new ProcessState.Ready() : new ProcessState.Running();
        if (stopped) return new ProcessState.Blocked(BlockReason.STOPPED);
        BlockReason first = null;
        for (Thread t : threads.keySet()) {
            BlockReason reason = blocked.get(t);
            if (reason == null) {
                reason = switch (t.getState()) {
                    case RUNNABLE -> null;
                    case BLOCKED -> BlockReason.LOCK;
                    case WAITING, TIMED_WAITING -> BlockReason.WAIT;
                    case NEW, TERMINATED -> BlockReason.WAIT;
                };
                if (reason == null) return new ProcessState.Running();
            }
            if (first == null || t == mainThread) first = reason;
        }
        return first == null ? new ProcessState.Running() : new ProcessState.Blocked(first);
    }

    /** What one thread of this process is doing, as {@code ps} labels a process: Running, Blocked(ipc)... */
    String threadState(Thread t) {
        if (exit.isDone()) return "Zombie";
        ThreadObject o = threadObjects.get(t);
        if (stopped || o != null && o.stopped()) return new ProcessState.Blocked(BlockReason.STOPPED).label();
        BlockReason reason = blocked.get(t);
        if (reason == null) {
            reason = switch (t.getState()) {
                case RUNNABLE -> null;
                case BLOCKED -> BlockReason.LOCK;
                case WAITING, TIMED_WAITING, NEW, TERMINATED -> BlockReason.WAIT;
            };
        }
        return reason == null ? new ProcessState.Running().label() : new ProcessState.Blocked(reason).label();
    }

    /** CPU time of every thread of the process, finished ones included. */
    public Duration cpuTime() {
        long frozen = frozenCpuNanos;
        if (frozen >= 0) return Duration.ofNanos(frozen);
        return Duration.ofNanos(liveCpuNanos());
    }

    private long liveCpuNanos() {
        long total = finishedThreadsCpu.get();
        for (Thread t : threads.keySet()) {
            long n = host.cpuTimeNanos(t);
            if (n > 0) total += n;
        }
        return total;
    }

    public ProcessInfo info() {
        return new ProcessInfo(pid, parentPid, name, state(), priority, cpuTime(),
                image == null ? "kernel" : image.origin(), capabilities, threads.size(), started, args,
                image == null ? "kernel" : image.space());
    }

    // ---- exit -------------------------------------------------------------------------------

    public CompletableFuture<ExitStatus> exitFuture() {
        return exit;
    }

    /**
     * Publishes the exit status (the process becomes a zombie). The process table calls it after
     * {@link #finish} and after handing the children to init, so whoever sees the status also sees
     * a consistent table.
     */
    void publishExit(ExitStatus status) {
        exit.complete(status);
    }

    /** True from the moment the process starts finishing (before its status is published). */
    boolean exiting() {
        return finishing.get();
    }

    public boolean finished() {
        return exit.isDone();
    }

    /** Names of threads that had not unwound when the process finished (they cannot be stopped before preemption points exist). */
    public List<String> abandonedThreads() {
        return abandonedThreads;
    }

    /**
     * Ends the process: marks it killed so its other threads unwind at their next kernel entry,
     * interrupts them, closes every handle it holds (newest first), waits briefly for its threads,
     * freezes its CPU time and publishes the exit status. Returns false if it had already finished.
     */
    boolean finish(ExitStatus status, HandleFailureHandler onHandleFailure) {
        if (!finishing.compareAndSet(false, true)) return false;
        killed = true;
        requestCheckpoints(killCheckpoints); // woven loops of the other threads must notice
        wakeStopped();
        interruptAll();
        List<Handle> toClose;
        synchronized (handles) {
            toClose = new ArrayList<>(handles);
            handles.clear();
        }
        for (Handle h : toClose) {
            try {
                h.close();
            } catch (RuntimeException e) {
                onHandleFailure.failed(this, h, e);
            }
        }
        signalObserver = null;
        // Every capability goes now, before the threads are joined: the callers of a dead server
        // learn DEAD_PEER at once, and a pending reply capability of a dead client is dropped.
        // Servers watching this process's badged capabilities learn of its end once they are gone.
        ClientWatches watches = clientWatches;
        List<Runnable> wakes = watches == null ? List.of() : watches.ending(this);
        capabilityTable.space().release(capabilityTable);
        for (Runnable wake : wakes) wake.run();
        long deadline = System.nanoTime() + UNWIND_GRACE.toNanos();
        List<String> survivors = new ArrayList<>();
        for (Thread t : threads.keySet()) {
            if (t == Thread.currentThread()) continue;
            try {
                long left = deadline - System.nanoTime();
                if (left > 0) t.join(Duration.ofNanos(left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) survivors.add(t.getName());
        }
        abandonedThreads = List.copyOf(survivors);
        frozenCpuNanos = liveCpuNanos(); // the finishing thread is still registered, so it is counted
        mainThread = null; // a finished Thread may still hold its task, and with it the program's classes
        releaseCheckpoints(killCheckpoints);
        releaseCheckpoints(stopCheckpoints);
        synchronized (threadCheckpoints) { // against a racing updateThreadSignals re-requesting
            releaseCheckpoints(threadCheckpoints);
        }
        return true;
    }

    @FunctionalInterface
    interface HandleFailureHandler {
        void failed(KoshProcess process, Handle handle, RuntimeException failure);
    }

    @Override
    public String toString() {
        return label();
    }
}
