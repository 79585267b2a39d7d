package dev.kosh.kernel.process;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import dev.kosh.api.Errno;
import dev.kosh.api.ExitStatus;
import dev.kosh.api.Program;
import dev.kosh.api.Signal;
import dev.kosh.api.SysResult;
import dev.kosh.kernel.cap.CapabilitySpace;
import dev.kosh.kernel.isolation.DenyPolicy;
import dev.kosh.kernel.journal.Journal;
import dev.kosh.sandbox.SandboxHooks;

/**
 * The process table: spawns processes, delivers signals, records exits, keeps zombies until
 * their parent reaps them, and hands orphans to init (pid 1).
 *
 * <p>Pids are never reused within a boot. Every public method may be called from any thread;
 * each validates its arguments first and returns a typed error ({@link SysResult}).
 */
public final class ProcessTable implements AutoCloseable {
    public static final int INIT_PID = 1;
    /** How long a KILL may take to unwind the process's threads before the kernel finishes it itself. */
    static final Duration KILL_GRACE = Duration.ofMillis(100);

    private final ConcurrentHashMap<Integer, KoshProcess> processes = new ConcurrentHashMap<>();
    private final AtomicInteger nextPid = new AtomicInteger(INIT_PID);
    private final ThreadHost host;
    private final ProgramLoader loader;
    private final Journal journal;
    private final ConsoleSink console;
    private final Duration termTimeout;
    private final List<Consumer<KoshProcess>> spawnListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<KoshProcess>> exitListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<KoshProcess>> reapListeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer;
    private volatile SandboxHooks.Installation sandbox;
    /** Servers' watches on their clients' ends (death notification, {@code Ipc.watchClients}). */
    private final ClientWatches clientWatches;
    private final CapabilitySpace capabilitySpace;
    private volatile IpcService ipc;
    private volatile java.util.function.Function<SpawnRequest, ProcessLimits> limitsPolicy = r -> ProcessLimits.DEFAULT;

    public ProcessTable(ThreadHost host, ProgramLoader loader, Journal journal, ConsoleSink console, Duration termTimeout) {
        this(host, loader, journal, console, termTimeout, new CapabilitySpace());
    }

    /** A table whose processes' capabilities live in {@code capabilitySpace} (grants and revocations are journalled). */
    public ProcessTable(ThreadHost host, ProgramLoader loader, Journal journal, ConsoleSink console, Duration termTimeout,
                        CapabilitySpace capabilitySpace) {
        this.capabilitySpace = capabilitySpace;
        capabilitySpace.audit(text -> journal.info("capabilities", text));
        this.host = host;
        this.loader = loader;
        this.journal = journal;
        this.clientWatches = new ClientWatches(journal);
        this.console = console;
        this.termTimeout = termTimeout;
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "kosh-kernel-timer");
            thread.setDaemon(true);
            return thread;
        });
        // A cancelled escalation must leave the queue at once: it holds its process until it runs.
        t.setRemoveOnCancelPolicy(true);
        this.timer = t;
    }

    public Journal journal() {
        return journal;
    }

    ConsoleSink console() {
        return console;
    }

    /** The capability tables of every process and the derivation tree between them. */
    public CapabilitySpace capabilitySpace() {
        return capabilitySpace;
    }

    /**
     * Installs the IPC system calls (the {@code ipc} module's kernel, at boot). Until then, and for
     * processes whose context was made before, every IPC call answers {@code UNAVAILABLE}.
     */
    public void installIpc(IpcService service) {
        this.ipc = service;
    }

    IpcService ipc() {
        return ipc;
    }

    private volatile MemoryService memory;

    /**
     * Installs the memory system calls (the launcher's process memory, at boot). Until then every
     * {@code ctx.memory()} call answers {@code UNAVAILABLE}.
     */
    public void installMemory(MemoryService service) {
        this.memory = service;
    }

    MemoryService memory() {
        return memory;
    }

    /** The capabilities process {@code pid} holds, for {@code caps PID}. */
    public SysResult<java.util.List<dev.kosh.api.CapabilityInfo>> capabilities(int pid) {
        KoshProcess p = processes.get(pid);
        if (p == null) return SysResult.err(Errno.NO_SUCH_PROCESS, "no process " + pid);
        return SysResult.ok(capabilitySpace.list(p.capabilityTable()));
    }

    /**
     * Plugs the process table into woven code (docs/isolation.md): preemption points of a killed
     * process unwind its threads, those of a stopped one wait. One kernel per JVM may do this;
     * {@link #close} undoes it.
     */
    public void installSandbox() {
        sandbox = SandboxHooks.install(new ProcessSandbox(DenyPolicy.standard(), journal, this::live));
        for (KoshProcess p : processes.values()) p.useSandbox(sandbox);
    }

    /**
     * Sets the quotas of processes spawned from now on (the launcher maps a request to its
     * service's or driver's section of {@code system.conf}, else the {@code [kernel]} defaults).
     * The policy runs on the spawning thread and must not return null.
     */
    public void useLimits(java.util.function.Function<SpawnRequest, ProcessLimits> policy) {
        this.limitsPolicy = java.util.Objects.requireNonNull(policy);
    }

    /** Called with each new process, before its main thread starts. */
    public void onSpawn(Consumer<KoshProcess> listener) {
        spawnListeners.add(listener);
    }

    /** Called once for each process that exits, after it released everything it held. */
    public void onExit(Consumer<KoshProcess> listener) {
        exitListeners.add(listener);
    }

    /** Called when a zombie leaves the table. */
    public void onReap(Consumer<KoshProcess> listener) {
        reapListeners.add(listener);
    }

    // ---- creation ---------------------------------------------------------------------------

    /**
     * Creates pid 1, the kernel's init process. Its thread is the caller's agent thread, adopted
     * with {@link #adoptCurrentThread}.
     */
    public KoshProcess createInit(CapabilitySet capabilities) {
        int pid = nextPid.getAndIncrement();
        if (pid != INIT_PID) throw new IllegalStateException("init must be the first process");
        KoshProcess init = new KoshProcess(pid, 0, "init", null, List.of(), capabilities, Priority.INTERACTIVE,
                ProcessLimits.DEFAULT, host, capabilitySpace);
        init.useClientWatches(clientWatches);
        processes.put(pid, init);
        giveProcessObject(init, null);
        spawnListeners.forEach(l -> l.accept(init));
        journal.info("init", "pid 1 created");
        return init;
    }

    /**
     * Starts a thread of {@code process} on a kernel-made thread. Past the thread quota the request
     * is refused ({@code QUOTA_EXCEEDED}); the first refusal is journaled and sends {@code QUOTA},
     * and a process refused as many times again as its quota is killed (a thread bomb).
     */
    public SysResult<Thread> startKernelThread(KoshProcess process, String name, Runnable body) {
        SysResult<Thread> started = process.startThread(name, body, this::threadFailed);
        if (started instanceof SysResult.Err<Thread> err && err.errno() == Errno.QUOTA_EXCEEDED) {
            int refused = process.refusedThreadRequests();
            int quota = process.limits().threads();
            if (refused == 1) {
                quotaExceeded(process, "thread quota " + quota + " reached: request refused", false);
            } else if (refused == quota && process.image() != null) {
                quotaExceeded(process, "thread quota " + quota + " exceeded: " + refused + " requests refused", true);
            }
        }
        return started;
    }

    /**
     * A quota of {@code p} was passed ({@code reason} says which and by how much). Soft: journaled
     * as a warning and the process is sent {@code QUOTA}. Hard: journaled as an error and the
     * process is killed, its exit status carrying the reason; the kill completes on the kernel
     * timer, so the caller (the allocation watchdog, a thread of the process) never waits for it.
     * Any thread.
     */
    public void quotaExceeded(KoshProcess p, String reason, boolean hard) {
        if (p.finished() || p.killed()) return;
        if (!hard) {
            journal.warn(p.label(), "quota: " + reason + "; signalled QUOTA");
            p.deliver(Signal.QUOTA);
            return;
        }
        journal.error(p.label(), "quota: " + reason + "; killed");
        p.killBecause(reason);
        p.deliver(Signal.KILL);
        try {
            timer.execute(() -> completeKill(p));
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            completeKill(p);
        }
    }

    /** What to start: a program by name, with its arguments, under a parent, with a policy's grants. */
    public record SpawnRequest(String program, List<String> args, int parentPid, java.util.Set<String> allowedCapabilities,
                               Priority priority, String displayName) {
        public SpawnRequest {
            // A copy that keeps nulls: spawn() answers INVALID_ARGUMENT for them instead of throwing here.
            args = args == null ? null : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(args));
        }

        public static SpawnRequest of(String program, List<String> args, int parentPid, java.util.Set<String> allowed) {
            return new SpawnRequest(program, args, parentPid, allowed, Priority.NORMAL, null);
        }
    }

    /** Finds the program, creates the process and starts its main thread. */
    public SysResult<KoshProcess> spawn(SpawnRequest request) {
        if (request == null || request.program() == null || request.program().isBlank() || request.args() == null
                || request.args().stream().anyMatch(java.util.Objects::isNull)
                || request.allowedCapabilities() == null || request.priority() == null) {
            return SysResult.err(Errno.INVALID_ARGUMENT, "spawn needs a program name, arguments, capabilities and a priority");
        }
        KoshProcess parent = processes.get(request.parentPid());
        if (parent == null || parent.exiting()) {
            return SysResult.err(Errno.NO_SUCH_PROCESS, "parent pid " + request.parentPid() + " is not running");
        }
        SysResult<ProgramImage> found = loader.find(request.program());
        ProgramImage image;
        switch (found) {
            case SysResult.Ok<ProgramImage> ok -> image = ok.value();
            case SysResult.Err<ProgramImage> err -> {
                return SysResult.err(err.errno(), err.message());
            }
        }
        Program program;
        try {
            program = image.instantiate();
        } catch (Exception | LinkageError e) {
            journal.error("spawn", "cannot instantiate " + image.origin() + ": " + e);
            return SysResult.err(Errno.NO_SUCH_PROGRAM, "cannot start " + request.program() + ": "
                    + (e.getMessage() != null ? e.getMessage() : e.toString()));
        }
        CapabilitySet granted = CapabilitySet.grant(image.declaredCapabilities(), request.allowedCapabilities());
        int pid = nextPid.getAndIncrement();
        String name = request.displayName() != null ? request.displayName() : image.name();
        ProcessLimits limits = limitsPolicy.apply(request);
        KoshProcess p = new KoshProcess(pid, parent.pid(), name, image, request.args(), granted,
                request.priority(), limits, host, capabilitySpace);
        p.useSandbox(sandbox);
        p.useClientWatches(clientWatches);
        processes.put(pid, p);
        parent.children().add(pid);
        giveProcessObject(p, parent);
        spawnListeners.forEach(l -> l.accept(p));
        journal.info(p.label(), "started from " + image.origin() + " by pid " + parent.pid()
                + (request.args().isEmpty() ? "" : " args " + request.args()) + " caps [" + granted + "]");
        ProcessContextImpl context = new ProcessContextImpl(p, this);
        SysResult<Thread> main = p.startThread("main", () -> runMain(p, program, context), this::threadFailed);
        if (main instanceof SysResult.Err<Thread> err) {
            exit(p, new ExitStatus(1, "could not start: " + err.message()));
            return SysResult.err(err.errno(), err.message());
        }
        return SysResult.ok(p);
    }

    /** Rights of the capabilities the kernel gives to a process object: to the process itself and to its parent. */
    static final dev.kosh.api.Rights PROCESS_RIGHTS = dev.kosh.api.Rights.of(dev.kosh.api.Right.SIGNAL, dev.kosh.api.Right.WAIT,
            dev.kosh.api.Right.READ, dev.kosh.api.Right.GRANT);

    /**
     * Makes {@code p}'s kernel object and gives a capability to it to {@code p} (its self handle)
     * and to its parent. Both are roots: the child revoking its own handle does not reach the
     * parent's. A table that is full is journaled and the spawn goes on (a process table must not
     * fail a spawn because its parent hoards handles; the parent still reaches it by pid).
     */
    private void giveProcessObject(KoshProcess p, KoshProcess parent) {
        ProcessObject o = new ProcessObject(p);
        p.object(o);
        if (capabilitySpace.create(p.capabilityTable(), o, PROCESS_RIGHTS, 0) instanceof SysResult.Ok<Integer>(Integer h)) {
            p.selfHandle(h);
        }
        if (parent != null && capabilitySpace.create(parent.capabilityTable(), o, PROCESS_RIGHTS, 0) instanceof SysResult.Err<Integer> e) {
            journal.warn(parent.label(), "no capability for child pid " + p.pid() + ": " + e.message());
        }
    }

    private void runMain(KoshProcess p, Program program, ProcessContextImpl context) {
        ExitStatus status;
        try {
            int code = program.main(context);
            status = p.killed() ? p.killedStatus() : ExitStatus.exited(code);
        } catch (ProcessKilled k) {
            status = p.killedStatus();
        } catch (ThreadKilled k) {
            if (p.killed()) {
                status = p.killedStatus();
            } else {
                // Only the main thread was killed (by its thread capability): the process goes on
                // with its other threads and ends, with a kill's status, when the last one ends.
                p.mainThreadKilled(() -> exit(p, p.killedStatus()));
                journal.info(p.label(), "main thread killed; the process ends with its last thread");
                return;
            }
        } catch (Throwable t) {
            if (p.killed()) {
                status = p.killedStatus();
            } else if (t instanceof InterruptedException && p.terminationSignal() != null) {
                // A blocking call interrupted by TERM, INT or HUP and let out of main: the process
                // ended by that signal's default action, as on Unix, not by a crash.
                status = ExitStatus.killed(p.terminationSignal());
            } else if (memoryFault(t)) {
                raiseFault(p, Thread.currentThread(), t);
                journal.error(p.label(), "crashed: " + stackSummary(t));
                status = new ExitStatus(128 + Signal.SEGV.number(), "killed by SEGV (unhandled memory fault: " + t.getMessage() + ")");
            } else {
                raiseFault(p, Thread.currentThread(), t);
                journal.error(p.label(), "crashed: " + stackSummary(t));
                status = new ExitStatus(1, "uncaught " + t.getClass().getName()
                        + (t.getMessage() == null ? "" : ": " + t.getMessage()));
            }
        }
        exit(p, status);
    }

    /**
     * A thread other than main ended with an uncaught throwable: the fault is raised (journal, SEGV
     * bit); an unhandled memory fault ends the whole process with SEGV, anything else ends only that
     * thread (docs/processes.md, "Faults").
     */
    private void threadFailed(KoshProcess p, Thread t, Throwable failure) {
        journal.warn(p.label(), "thread " + t.getName() + " ended by " + stackSummary(failure));
        raiseFault(p, t, failure);
        if (memoryFault(failure) && !p.finished() && !p.killed()) {
            String reason = "unhandled memory fault in thread " + t.getName() + ": " + failure.getMessage();
            journal.error(p.label(), "fault: " + reason + "; killed by SEGV");
            p.killBecause(Signal.SEGV, reason);
            p.deliver(Signal.KILL);
            try {
                timer.execute(() -> completeKill(p));
            } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
                completeKill(p);
            }
        }
    }

    /** An unhandled memory fault: a {@code FAULT} error from a memory call let out of the thread ({@code orThrow}), or a faulting window access. */
    static boolean memoryFault(Throwable t) {
        return t instanceof dev.kosh.api.KoshException k && k.errno() == Errno.FAULT;
    }

    /**
     * Records a fault of {@code p} (a thread ended by {@code failure}) in the journal and sets the
     * SEGV bit on the notification it bound with {@code bindSignals}.
     */
    private void raiseFault(KoshProcess p, Thread t, Throwable failure) {
        journal.warn(p.label(), "fault (SEGV): thread " + t.getName() + " ended by " + failure.getClass().getName()
                + (failure.getMessage() == null ? "" : ": " + failure.getMessage()));
        p.deliver(Signal.SEGV);
    }

    static String stackSummary(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        String[] lines = out.toString().split("\n");
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(lines.length, 6); i++) b.append(i == 0 ? "" : " | ").append(lines[i].strip());
        return b.toString();
    }

    // ---- exit and reaping -------------------------------------------------------------------

    /** Finishes {@code p} with {@code status} (once), adopts its children to init, and tells its parent. */
    void exit(KoshProcess p, ExitStatus status) {
        if (!p.finish(status, (proc, h, e) -> journal.warn(proc.label(), "closing " + h + " failed: " + e))) return;
        journal.append(status.success() ? dev.kosh.kernel.journal.Severity.INFO : dev.kosh.kernel.journal.Severity.WARN,
                p.label(), "exited: " + status.reason() + " (cpu " + p.cpuTime().toMillis() + " ms)");
        if (!p.abandonedThreads().isEmpty()) {
            journal.warn(p.label(), "threads still running after exit, abandoned: " + p.abandonedThreads());
        }
        // Orphans go to init; zombie orphans are reaped by init's listener below like any child of init.
        for (int childPid : List.copyOf(p.children())) {
            KoshProcess child = processes.get(childPid);
            if (child == null) continue;
            child.reparent(INIT_PID);
            KoshProcess init = processes.get(INIT_PID);
            if (init != null) init.children().add(childPid);
            if (child.finished()) reap(INIT_PID, childPid);
        }
        p.publishExit(status);
        exitListeners.forEach(l -> l.accept(p));
        int parent = p.parentPid();
        KoshProcess parentProcess = processes.get(parent);
        if (parent == INIT_PID || parentProcess == null || parentProcess.finished()) {
            reap(INIT_PID, p.pid()); // init reaps its children and orphans as soon as they exit
        } else {
            parentProcess.deliver(Signal.CHLD);
        }
    }

    /** Removes a zombie child of {@code parentPid} from the table. */
    SysResult<ExitStatus> reap(int parentPid, int childPid) {
        KoshProcess child = processes.get(childPid);
        if (child == null) return SysResult.err(Errno.NO_SUCH_PROCESS, "no process " + childPid);
        if (child.parentPid() != parentPid && parentPid != INIT_PID) {
            return SysResult.err(Errno.NOT_A_CHILD, "pid " + childPid + " is not a child of pid " + parentPid);
        }
        ExitStatus status = child.exitFuture().getNow(null);
        if (status == null) return SysResult.err(Errno.TIMEOUT, "pid " + childPid + " has not exited");
        if (processes.remove(childPid, child)) {
            KoshProcess parent = processes.get(child.parentPid());
            if (parent != null) parent.children().remove(childPid);
            capabilitySpace.forget(child.capabilityTable());
            ProcessObject o = child.object();
            if (o != null) {
                o.reaped();
                capabilitySpace.destroy(o, dev.kosh.kernel.cap.EndReason.OBJECT_DESTROYED);
            }
            reapListeners.forEach(l -> l.accept(child));
        }
        return SysResult.ok(status);
    }

    /** Waits for a child of {@code parent} to exit, then reaps it. */
    SysResult<ExitStatus> waitChild(KoshProcess parent, int childPid, Duration timeout) throws InterruptedException {
        if (timeout == null || timeout.isNegative()) return SysResult.err(Errno.INVALID_ARGUMENT, "timeout must be zero or positive");
        KoshProcess child = processes.get(childPid);
        if (child == null) return SysResult.err(Errno.NO_SUCH_PROCESS, "no process " + childPid);
        if (child.parentPid() != parent.pid()) {
            return SysResult.err(Errno.NOT_A_CHILD, "pid " + childPid + " is not a child of pid " + parent.pid());
        }
        try (KoshProcess.BlockScope ignored = parent.block(BlockReason.WAIT_CHILD)) {
            child.exitFuture().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return SysResult.err(Errno.TIMEOUT, "pid " + childPid + " still running after " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new IllegalStateException("exit futures never fail", e);
        }
        return reap(parent.pid(), childPid);
    }

    /** Waits for any process to exit, without reaping it (for the shell's foreground {@code run}). */
    public SysResult<ExitStatus> awaitExit(int pid, Duration timeout) throws InterruptedException {
        KoshProcess p = processes.get(pid);
        if (p == null) return SysResult.err(Errno.NO_SUCH_PROCESS, "no process " + pid);
        return awaitExit(p, timeout);
    }

    public SysResult<ExitStatus> awaitExit(KoshProcess p, Duration timeout) throws InterruptedException {
        try {
            return SysResult.ok(p.exitFuture().get(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return SysResult.err(Errno.TIMEOUT, p.label() + " still running after " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new IllegalStateException("exit futures never fail", e);
        }
    }

    // ---- signals ----------------------------------------------------------------------------

    /**
     * Sends {@code signal} to {@code pid}. KILL unwinds the process at its next kernel entry and,
     * if it has not finished within {@link #KILL_GRACE}, the kernel finishes it (releasing what
     * it held) and journals the threads it could not stop. TERM, INT and HUP ask the process to
     * exit and escalate to KILL after the configured stop timeout.
     */
    public SysResult<Void> signal(int pid, Signal signal, String sender) {
        if (signal == null) return SysResult.err(Errno.INVALID_ARGUMENT, "no signal given");
        if (signal == Signal.SEGV) return SysResult.err(Errno.INVALID_ARGUMENT, "SEGV is raised by the kernel on a fault; it cannot be sent");
        if (pid == INIT_PID && signal.terminates()) {
            return SysResult.err(Errno.INVALID_ARGUMENT, "init (pid 1) cannot be signalled to exit; use shutdown");
        }
        KoshProcess p = processes.get(pid);
        if (p == null) return SysResult.err(Errno.NO_SUCH_PROCESS, "no process " + pid);
        if (p.finished()) return SysResult.err(Errno.NO_SUCH_PROCESS, "pid " + pid + " has already exited (zombie)");
        journal.info(p.label(), "signal " + signal + " from " + sender);
        p.deliver(signal);
        if (signal == Signal.KILL) {
            completeKill(p);
        } else if (signal.terminates()) {
            ScheduledFuture<?> escalation = timer.schedule(() -> {
                if (!p.finished()) {
                    journal.warn(p.label(), "still running " + termTimeout.toMillis() + " ms after " + signal + "; killing");
                    p.deliver(Signal.KILL);
                    completeKill(p);
                }
            }, termTimeout.toNanos(), TimeUnit.NANOSECONDS);
            p.exitFuture().whenComplete((status, never) -> escalation.cancel(false));
        }
        return SysResult.ok(null);
    }

    /**
     * Sends {@code signal} to one thread of {@code pid}, named as it was started ({@code main} for
     * the main thread), for the shell's {@code kill -SIGNAL PID/THREAD} (the kernel needs no
     * handle). Errors: NO_SUCH_PROCESS (no such process, or no live thread of that name),
     * INVALID_ARGUMENT (several threads have that name; a signal a thread does not take), DEAD_PEER.
     */
    public SysResult<Void> signalThread(int pid, String threadName, Signal signal, String sender) {
        KoshProcess p = processes.get(pid);
        if (p == null || p.finished()) return SysResult.err(Errno.NO_SUCH_PROCESS, "no process " + pid);
        List<ThreadObject> named = new java.util.ArrayList<>();
        for (Thread t : p.threads()) {
            ThreadObject o = p.threadObject(t);
            if (o != null && o.name().equals(threadName)) named.add(o);
        }
        if (named.isEmpty()) return SysResult.err(Errno.NO_SUCH_PROCESS, "pid " + pid + " has no thread '" + threadName + "'");
        if (named.size() > 1) return SysResult.err(Errno.INVALID_ARGUMENT, "pid " + pid + " has " + named.size() + " threads named '" + threadName + "'");
        return signalThread(named.getFirst(), signal, sender);
    }

    /** A thread signal, its capability already checked: KILL, STOP or CONT to one live thread. */
    SysResult<Void> signalThread(ThreadObject o, Signal signal, String sender) {
        if (signal != Signal.KILL && signal != Signal.STOP && signal != Signal.CONT) {
            return SysResult.err(Errno.INVALID_ARGUMENT, "a thread takes KILL, STOP or CONT, not " + signal
                    + (signal == null ? "" : " (signal its process for that)"));
        }
        KoshProcess owner = processes.get(o.pid());
        if (o.thread() == null || owner == null || owner.exiting()) return SysResult.err(Errno.DEAD_PEER, o.describe() + " has ended");
        if (o.pid() == INIT_PID && signal == Signal.KILL) {
            return SysResult.err(Errno.INVALID_ARGUMENT, "the threads of init (pid 1) cannot be killed; use shutdown");
        }
        journal.info(owner.label(), "signal " + signal + " to " + o.describe() + " from " + sender);
        owner.deliverToThread(o, signal);
        return SysResult.ok(null);
    }

    private void completeKill(KoshProcess p) {
        try {
            p.exitFuture().get(KILL_GRACE.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            exit(p, p.killedStatus());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exit(p, p.killedStatus());
        } catch (ExecutionException e) {
            throw new IllegalStateException("exit futures never fail", e);
        }
    }

    /** Ends every process but init: TERM, then KILL after the stop timeout. Returns when all have exited. */
    public void terminateAll(Duration timeout) {
        List<KoshProcess> victims = processes.values().stream()
                .filter(p -> p.pid() != INIT_PID && !p.finished())
                .sorted(Comparator.comparingInt(KoshProcess::pid).reversed()).toList();
        for (KoshProcess p : victims) p.deliver(Signal.TERM);
        long deadline = System.nanoTime() + timeout.toNanos();
        for (KoshProcess p : victims) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                p.exitFuture().get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                journal.warn(p.label(), "did not exit within " + timeout.toMillis() + " ms of TERM; killing");
                p.deliver(Signal.KILL);
                completeKill(p);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException e) {
                throw new IllegalStateException("exit futures never fail", e);
            }
        }
    }

    // ---- queries ----------------------------------------------------------------------------

    public Optional<KoshProcess> get(int pid) {
        return Optional.ofNullable(processes.get(pid));
    }

    /** Every process in pid order. */
    public List<ProcessInfo> snapshot() {
        List<ProcessInfo> out = new ArrayList<>();
        for (KoshProcess p : processes.values()) out.add(p.info());
        out.sort(Comparator.comparingInt(ProcessInfo::pid));
        return out;
    }

    /** Every process that has not finished, in no particular order (for the allocation watchdog). */
    public List<KoshProcess> live() {
        List<KoshProcess> out = new ArrayList<>(processes.size());
        for (KoshProcess p : processes.values()) if (!p.finished()) out.add(p);
        return out;
    }

    /** Processes running a given program (live ones only). */
    public List<KoshProcess> runningProgram(String programName) {
        return processes.values().stream()
                .filter(p -> p.image() != null && p.image().name().equals(programName) && !p.finished())
                .sorted(Comparator.comparingInt(KoshProcess::pid)).toList();
    }

    public int size() {
        return processes.size();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        SandboxHooks.Installation s = sandbox;
        if (s != null) {
            sandbox = null;
            s.uninstall();
        }
    }
}
