package dev.kosh.driver;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import dev.kosh.api.Errno;
import dev.kosh.api.ExitStatus;
import dev.kosh.api.Program;
import dev.kosh.api.Signal;
import dev.kosh.api.SysResult;
import dev.kosh.driver.api.DriverCapabilities;
import dev.kosh.driver.api.DriverContext;
import dev.kosh.driver.api.DriverError;
import dev.kosh.driver.api.DriverRequest;
import dev.kosh.driver.api.DriverResponse;
import dev.kosh.driver.api.KoshDriver;
import dev.kosh.ipc.MpscChannel;
import dev.kosh.ipc.SendStatus;
import dev.kosh.kernel.journal.Journal;
import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.kernel.process.Priority;
import dev.kosh.kernel.process.ProcessTable;

/**
 * Runs drivers as processes, routes requests to them, and supervises them. Each driver has a
 * slot (its name, its request channel, its state, its supervision); the slot outlives the
 * driver's processes, so a client's way to the driver survives a restart: requests sent while a
 * new instance starts wait in the channel.
 *
 * <p>Supervision: a driver that throws, answers nothing, hangs past its caller's deadline, or
 * whose process dies is isolated (its process ends) and restarted within its restart intensity.
 * The request in flight at the fault is replayed to the new instance if it is idempotent, and
 * answered {@code RESTARTED} if not; every fault leaves a crash dump (journal and
 * {@link #crashDump}).
 *
 * <p>Thread-safe: slots are in a concurrent map; a slot's state is volatile, written by its
 * driver's process, the table's exit hook (which runs the restart), or {@link #stop}.
 */
public final class DriverManager {
    /** Requests waiting for a driver, per driver. A full channel is reported as BUSY, never dropped. */
    static final int CHANNEL_CAPACITY = 1024;
    /** How long {@link #stop} waits for a driver to end after its KILL. */
    private static final Duration KILL_WAIT = Duration.ofSeconds(1);
    /** How often a waiting caller re-checks that its driver is still there. */
    private static final Duration POLL_STEP = Duration.ofMillis(50);
    /** Driver processes are named {@code drv:NAME}. */
    static final String PROCESS_PREFIX = "drv:";
    /** How many new instances an idempotent request in flight at a fault is replayed to before it is answered FAULT. */
    static final int MAX_REPLAYS = 1;
    /** Requests a crash dump remembers. */
    private static final int LAST_REQUESTS = 8;

    private final ProcessTable table;
    private final Journal journal;
    private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();
    private final DeviceRegistry devices;
    /** Block devices granted per driver by its configuration ({@link #grantBlocks}); added to its context at start. */
    private final ConcurrentHashMap<String, dev.kosh.driver.api.BlockAccess> blockGrants = new ConcurrentHashMap<>();
    private final RequestJournal requestJournal;
    /** Interrupt lines of bound devices; the platform (or a simulated device) raises them. */
    private final InterruptLines interruptLines = new InterruptLines();
    /** Where drivers' DMA buffers come from; null until {@link #grantHardware}. */
    private volatile dev.kosh.memory.PhysicalMemory dmaMemory;
    /** The host's port device; drivers started from now on reach their port ranges through it. */
    private volatile java.nio.file.Path portDevice = java.nio.file.Path.of("/dev/port");
    /**
     * Makes a dependency check and the change it allows one step: {@link #start} checks that what
     * a driver requires is running and adds its slot; {@link #stop} checks that no driver depends
     * on the one stopping and marks it stopping. Nothing else is done under it; it nests in no
     * other lock.
     */
    private final Object dependencies = new Object();
    private volatile boolean shuttingDown;
    /** The thread that kills drivers holding a request past their deadline; null while no driver is live. Guarded by this. */
    private Thread deadlineWatchdog;

    /** A manager with an empty device registry (no hardware until {@link DeviceRegistry#scan} is called). */
    public DriverManager(ProcessTable table, Journal journal) {
        this(table, journal, new DeviceRegistry());
    }

    /** A manager whose drivers are bound to the devices of {@code devices}, with no request journal. */
    public DriverManager(ProcessTable table, Journal journal, DeviceRegistry devices) {
        this(table, journal, devices, null);
    }

    /**
     * A manager whose drivers are bound to the devices of {@code devices} and journal their
     * requests in {@code requests} (null: none; a request in flight at a fault is then replayed
     * from the caller's copy in memory).
     */
    public DriverManager(ProcessTable table, Journal journal, DeviceRegistry devices, RequestJournal requests) {
        this.table = table;
        this.journal = journal;
        this.devices = devices;
        this.requestJournal = requests;
        table.onSpawn(this::processSpawned);
        table.onExit(this::processExited);
    }

    /**
     * Ties a new driver process to its slot before its thread runs: a driver can fault and exit
     * before {@code spawn} even returns, and its exit must find its slot.
     */
    private void processSpawned(KoshProcess p) {
        if (!p.name().startsWith(PROCESS_PREFIX)) return;
        Slot slot = slots.get(p.name().substring(PROCESS_PREFIX.length()));
        if (slot != null && (slot.state == DriverState.STARTING || slot.state == DriverState.RESTARTING)) slot.process = p;
    }

    /** Why instance {@code pid} of a driver faulted, and where it was (innermost frames first; may be empty). */
    record Fault(int pid, String cause, List<String> stack) {}

    /**
     * An asynchronous request's reply and when its caller stops waiting (nanoTime). The reply is
     * held weakly: while the request waits or is served, the channel or the slot holds it; once
     * answered, nothing here may keep it (and its payload) alive until the next scan — at tens of
     * thousands of requests a second that promoted every answer to the old generation.
     */
    record Timed(java.lang.ref.WeakReference<CompletableFuture<DriverResponse>> reply, long deadline, long timeoutMillis) {}

    /** A request an instance is serving: its request-journal number (0: not journaled) and since when (nanoTime). */
    private record Serving(DriverHost.Pending pending, long seq, long since) {}

    /** One driver's place in the manager. */
    static final class Slot {
        final String name;
        final String bundle;
        final boolean essential;
        final Set<String> capabilities;
        final Supervision supervision;
        /** What the driver needs and offers (from its descriptor): the dependency edges. */
        final Set<String> requires;
        final Set<String> provides;
        /** What each instance's {@code init} is given: the bound devices' resources, fixed at start. */
        final DriverContext context;
        /** The interrupt lines, ports and DMA buffers behind {@link #context}; null for a driver of no device. */
        final HardwareGrants grants;
        final MpscChannel<DriverHost.Pending> channel = new MpscChannel<>(CHANNEL_CAPACITY);
        /**
         * Held by whoever takes requests out of {@link #channel}: its queue allows one consumer at a
         * time, and a killed instance's thread may still be leaving {@code receive} when its successor
         * starts (or when the manager drains the channel on close). Two consumers at once duplicate
         * a request or, worse, rewind the queue's consumer index and lose one.
         */
        final ReentrantLock consumer = new ReentrantLock();
        /** How fast this driver answers: whether a caller spins for the answer or parks at once. */
        final AnswerWait answers = new AnswerWait();
        /** Requests of a faulted instance to serve before the channel (idempotent ones only). */
        final ConcurrentLinkedDeque<DriverHost.Pending> replay = new ConcurrentLinkedDeque<>();
        volatile CompletableFuture<DriverCapabilities> ready = new CompletableFuture<>();
        volatile DriverCapabilities capabilitiesOffered;
        final AtomicLong requests = new AtomicLong();
        final AtomicLong faults = new AtomicLong();
        final AtomicInteger restarts = new AtomicInteger();
        final Deque<Long> recentRestarts = new ArrayDeque<>(); // guarded by itself
        /** The last requests begun, formatted only for a crash dump (not on the request path). Guarded by itself. */
        final Deque<DriverRequest> lastRequests = new ArrayDeque<>();
        /**
         * Asynchronous requests ({@link DriverManager#send}) with their callers' deadlines, in send
         * order: the deadline watchdog answers the overdue ones TIMEOUT and drops the answered ones
         * (one scan per period instead of a timer task per request).
         */
        final java.util.concurrent.ConcurrentLinkedQueue<Timed> timed = new java.util.concurrent.ConcurrentLinkedQueue<>();
        volatile DriverState state = DriverState.STARTING;
        volatile KoshProcess process;
        /**
         * The requests the current instance is serving, oldest first (one, for a driver served one
         * request at a time; up to its {@code maxInFlight} for a {@code ConcurrentDriver}); taken
         * over by the exit hook when it dies. Guarded by this.
         */
        private final ArrayList<Serving> serving = new ArrayList<>(4);
        /** Why the instance {@code fault.pid} faulted, said by that instance (or the manager, for a hang). */
        volatile Fault fault;
        /** The last instance the exit hook buried: its late steps are ignored. Written under this. */
        private volatile int exitedPid;
        /** The instance the manager is killing for a hang (so that it is killed once). Guarded by this. */
        private int killingPid;
        volatile String lastError = "";
        volatile CrashDump lastCrash;
        volatile boolean stopping;
        private final Journal journal;
        /** Where this driver's requests are journaled before dispatch; null: no request journal (in-flight kept in memory only). */
        private final RequestJournal.Log log;
        /** How many of the requests {@link #exited} last took over were read back from the request journal. */
        volatile int orphansFromJournal;
        /** Request-journal operations that failed; the first is journaled. Guarded by this. */
        private long journalFailures;

        Slot(DriverDescriptor d, boolean essential, Set<String> capabilities, Supervision supervision, DriverContext context,
             HardwareGrants grants, Journal journal, RequestJournal.Log log) {
            this.name = d.name();
            this.bundle = d.bundle();
            this.essential = essential;
            this.capabilities = Set.copyOf(capabilities);
            this.supervision = supervision;
            this.requires = d.requires();
            this.provides = d.provides();
            this.context = context;
            this.grants = grants;
            this.journal = journal;
            this.log = log;
        }

        /** Counts as present for the drivers that depend on it: up, coming up, or being restarted. */
        boolean live() {
            DriverState s = state;
            return !stopping && (s == DriverState.STARTING || s == DriverState.RUNNING || s == DriverState.RESTARTING);
        }

        void ready(DriverCapabilities caps) {
            capabilitiesOffered = caps;
            state = DriverState.RUNNING;
            journal.info("driver " + name, "running: " + caps.deviceClass() + " " + caps.operations());
            ready.complete(caps);
        }

        /**
         * Instance {@code pid}'s {@code init} failed. On the first start the driver is failed (its
         * starter hears why); on a restart it is a fault like any other: true, and the instance
         * ends as faulted so that supervision decides.
         */
        boolean initFailed(int pid, DriverError error) {
            String why = "init: " + error.code() + " " + error.message();
            if (state == DriverState.RESTARTING) {
                fault = new Fault(pid, "restarted instance failed " + why, List.of());
                return true;
            }
            state = DriverState.FAILED;
            lastError = why;
            journal.error("driver " + name, "init failed: " + error.code() + ": " + error.message());
            ready.complete(null);
            return false;
        }

        /** Whether instance {@code pid} is the one serving this driver (not one the exit hook buried or a successor replaced). */
        boolean current(int pid) {
            KoshProcess p = process;
            return p != null && p.pid() == pid && exitedPid != pid;
        }

        DriverHost.Pending nextReplay() {
            return replay.pollFirst();
        }

        /**
         * Journals {@code p} before dispatch: its sequence number, or 0 if the request journal
         * failed (the request is served anyway, and replayed from the caller's copy if need be:
         * a broken journal must not take the driver down with it).
         */
        private long journaled(DriverHost.Pending p) {
            try {
                long seq = log.accepted(p.request());
                String problem = log.takePruneProblem();
                if (problem != null) journal.warn("driver " + name, problem + "; tried again at the next roll");
                return seq;
            } catch (RuntimeException e) {
                journalFailed(e);
                return 0;
            }
        }

        private void journalFailed(RuntimeException e) {
            if (journalFailures++ == 0) {
                journal.error("driver " + name, "request journal failed (" + e + "); in-flight requests are kept in memory only until it works again");
            }
        }

        /** Instance {@code pid} starts serving {@code p}; false if it is no longer the current instance. */
        synchronized boolean begin(int pid, DriverHost.Pending p) {
            KoshProcess current = process;
            if (current == null || current.pid() != pid || exitedPid == pid) return false;
            serving.add(new Serving(p, log == null ? 0 : journaled(p), System.nanoTime()));
            synchronized (lastRequests) {
                lastRequests.addLast(p.request());
                if (lastRequests.size() > LAST_REQUESTS) lastRequests.removeFirst();
            }
            return true;
        }

        /**
         * Instance {@code pid} has answered {@code p} with {@code response}: marks it completed in
         * the request journal and answers the caller, both under this monitor, so the exit hook
         * sees the request either answered or in flight, never in between. False if the exit
         * hook took the request over meanwhile (the instance was killed while serving it).
         */
        synchronized boolean served(int pid, DriverHost.Pending p, DriverResponse response) {
            if (exitedPid == pid) return false;
            int i = indexOf(p);
            if (i < 0) return false;
            Serving done = serving.remove(i);
            requests.incrementAndGet();
            if (done.seq() > 0) {
                try {
                    log.completed(done.seq());
                } catch (RuntimeException e) {
                    journalFailed(e);
                }
            }
            p.reply().complete(response);
            return true;
        }

        private int indexOf(DriverHost.Pending p) {
            for (int i = 0; i < serving.size(); i++) if (serving.get(i).pending() == p) return i;
            return -1;
        }

        /** The oldest request being served if it began more than {@code limit} ns before {@code now}, else null (the deadline watchdog asks). */
        synchronized DriverHost.Pending overdue(long now, long limit) {
            if (serving.isEmpty()) return null;
            Serving oldest = serving.getFirst();
            return now - oldest.since() > limit ? oldest.pending() : null;
        }

        /** Whether the current instance is serving {@code p} (a caller that timed out asks, to report a hang). */
        synchronized boolean holds(DriverHost.Pending p) {
            return indexOf(p) >= 0;
        }

        /** What the dying instance was serving, for its crash dump: operations, oldest first, or "none". */
        synchronized String servingDescription() {
            if (serving.isEmpty()) return "none";
            StringBuilder b = new StringBuilder();
            for (Serving s : serving) {
                if (!b.isEmpty()) b.append(", ");
                b.append(s.pending().request().operation()).append(s.pending().request().idempotent() ? " (idempotent)" : "");
            }
            return b.toString();
        }

        /** A request an ending instance took from the channel but did not start: first in line for the next. */
        void requeue(DriverHost.Pending p) {
            replay.addFirst(p);
        }

        /**
         * Instance {@code pid} died: the requests it was serving, oldest first, now belong to the
         * manager. With a request journal, each is the one read back from the journal (journaled
         * before dispatch, not completed), paired with its caller's reply; journaled requests no
         * caller waits for are reported and dropped.
         */
        synchronized List<DriverHost.Pending> exited(int pid) {
            exitedPid = pid;
            List<Serving> orphans = List.copyOf(serving);
            serving.clear();
            orphansFromJournal = 0;
            List<DriverHost.Pending> out = new ArrayList<>(orphans.size());
            if (log == null) {
                for (Serving o : orphans) out.add(o.pending());
                return out;
            }
            java.util.Map<Long, RequestJournal.Entry> unfinished = new java.util.HashMap<>();
            try {
                for (RequestJournal.Entry e : log.unfinished()) unfinished.put(e.seq(), e);
            } catch (RuntimeException e) {
                journalFailed(e);
                for (Serving o : orphans) out.add(o.pending());
                return out;
            }
            int fromJournal = 0;
            for (Serving o : orphans) {
                RequestJournal.Entry e = o.seq() > 0 ? unfinished.remove(o.seq()) : null;
                if (e == null) {
                    journal.error("driver " + name, "the request in flight (#" + o.seq() + ", " + o.pending().request().operation()
                            + ") is missing from the request journal; using the caller's copy");
                    out.add(o.pending());
                } else {
                    out.add(new DriverHost.Pending(e.request(), o.pending().reply(), o.pending().replays()));
                    fromJournal++;
                }
            }
            for (RequestJournal.Entry e : unfinished.values()) {
                journal.warn("driver " + name, "request #" + e.seq() + " (" + e.request().operation()
                        + ") was journaled but neither completed nor waited for; dropped");
            }
            orphansFromJournal = fromJournal;
            return out;
        }

        /** True the first time the manager decides to kill instance {@code pid} for holding {@code p}. */
        synchronized boolean killForHang(int pid, DriverHost.Pending p) {
            if (killingPid == pid || exitedPid == pid || indexOf(p) < 0) return false;
            killingPid = pid;
            return true;
        }

        /** Called by the driver's own thread just before its process ends on a fault; {@code thrown} may be null. */
        void faulted(int pid, String cause, Throwable thrown) {
            fault = new Fault(pid, cause, thrown == null ? List.of() : CrashDump.frames(thrown.getStackTrace()));
        }

        /**
         * Records a throwing {@code cleanup} as the instance's fault unless the instance already
         * reported one of its own (that cause came first and stays). Asked of the recorded fault, not
         * of the exit code: an instance unwound by a signal (TERM's default action) ends serving with
         * the fault code but reported nothing, and its dump must still say what went wrong.
         */
        void cleanupFailed(int pid, RuntimeException e) {
            journal.warn("driver " + name, "cleanup of pid " + pid + " threw " + e);
            Fault earlier = fault;
            if (earlier == null || earlier.pid() != pid) fault = new Fault(pid, "cleanup threw " + e, CrashDump.frames(e.getStackTrace()));
        }

        List<String> lastRequests() {
            synchronized (lastRequests) {
                return lastRequests.stream().map(r -> r.operation() + "(" + r.payloadLength() + " B" + (r.idempotent() ? ", idempotent" : "") + ")").toList();
            }
        }

        DriverInfo info() {
            KoshProcess p = process;
            return new DriverInfo(name, bundle, p == null || p.finished() ? 0 : p.pid(), state, requests.get(), faults.get(),
                    restarts.get(), essential, capabilitiesOffered, lastError);
        }
    }

    /**
     * The program for a driver process: called by the program loader when it loads a bundle that
     * declares a driver. Refused unless the manager is starting (or restarting) that driver, so a
     * driver cannot be started around the manager (with {@code run}, say).
     */
    public SysResult<Program> hostFor(String driverName, KoshDriver driver) {
        Slot slot = slots.get(driverName);
        boolean expecting = slot != null && (slot.state == DriverState.STARTING || slot.state == DriverState.RESTARTING)
                && (slot.process == null || slot.process.finished());
        if (!expecting) {
            return SysResult.err(Errno.NO_CAPABILITY, "driver " + driverName + " is started by the driver manager (insdrv), not run directly");
        }
        return SysResult.ok(new DriverHost(driverName, driver, slot.channel, slot));
    }

    /**
     * Grants the driver {@code name} the block devices of {@code blocks} (from its configuration):
     * they are in the context of every instance started after this call.
     */
    public void grantBlocks(String name, dev.kosh.driver.api.BlockAccess blocks) {
        blockGrants.put(name, blocks);
    }

    /** Starts a driver with the default supervision; see {@link #start(String, String, Set, boolean, Supervision, Duration)}. */
    public SysResult<DriverInfo> start(String name, String bundle, Set<String> capabilities, boolean essential, Duration timeout)
            throws InterruptedException {
        return start(name, bundle, capabilities, essential, Supervision.DEFAULT, timeout);
    }

    /**
     * Starts the driver {@code name} from {@code bundle} as a driver process under init, and waits
     * up to {@code timeout} for its {@code init()}. If the device registry holds a descriptor of
     * that name and bundle (registered from the bundle's manifest), its requirements and devices
     * apply, as with {@link #start(DriverDescriptor, Set, boolean, Supervision, Duration)}.
     */
    public SysResult<DriverInfo> start(String name, String bundle, Set<String> capabilities, boolean essential,
                                       Supervision supervision, Duration timeout) throws InterruptedException {
        if (name == null || name.isBlank() || bundle == null || bundle.isBlank()) {
            return SysResult.err(Errno.INVALID_ARGUMENT, "a driver needs a name, a bundle, capabilities, a supervision and a timeout");
        }
        DriverDescriptor d = devices.descriptor(name).filter(x -> x.bundle().equals(bundle)).orElse(DriverDescriptor.of(name, bundle));
        return start(d, capabilities, essential, supervision, timeout);
    }

    /**
     * Starts the driver {@code descriptor} describes, given the resources of the devices the
     * registry bound to it. Refused ({@code UNAVAILABLE}) while something it requires is not
     * provided by a running driver, naming what is missing; {@link #startAll} orders a set.
     */
    public SysResult<DriverInfo> start(DriverDescriptor descriptor, Set<String> capabilities, boolean essential,
                                       Supervision supervision, Duration timeout) throws InterruptedException {
        if (descriptor == null || capabilities == null || timeout == null || supervision == null) {
            return SysResult.err(Errno.INVALID_ARGUMENT, "a driver needs a name, a bundle, capabilities, a supervision and a timeout");
        }
        String name = descriptor.name();
        RequestJournal.Log log = openLog(name);
        DriverContext bound = devices.context(name);
        HardwareGrants grants = bound.devices().isEmpty() ? null
                : new HardwareGrants(name, bound.devices(), interruptLines, portDevice, dmaMemory);
        DriverContext context = grants == null ? bound
                : new DriverContext(name, bound.devices(), bound.mmio(), grants, grants, grants);
        context = context.withBlocks(blockGrants.getOrDefault(name, dev.kosh.driver.api.BlockAccess.NONE));
        Slot slot = new Slot(descriptor, essential, capabilities, supervision, context, grants, journal, log);
        synchronized (dependencies) {
            List<String> missing = descriptor.requires().stream().filter(r -> !providedBy(r, null, DriverState.RUNNING)).sorted().toList();
            if (!missing.isEmpty()) {
                return SysResult.err(Errno.UNAVAILABLE, "driver " + name + " requires " + String.join(", ", missing)
                        + ", which no running driver provides; start " + (missing.size() == 1 ? "it" : "them") + " first");
            }
            Slot existing = slots.putIfAbsent(name, slot);
            if (existing != null) {
                DriverState s = existing.state;
                if (s == DriverState.STARTING || s == DriverState.RUNNING || s == DriverState.RESTARTING) {
                    return SysResult.err(Errno.INVALID_ARGUMENT, "driver " + name + " is already " + s.label());
                }
                slots.replace(name, existing, slot);
            }
        }
        if (!slot.context.devices().isEmpty()) {
            journal.info("driver " + name, "bound to " + slot.context.devices().stream().map(r -> r.device() + " (" + r.ids() + ")").toList());
        }
        if (spawn(slot) instanceof SysResult.Err<KoshProcess> err) return SysResult.err(err.errno(), err.message());
        try {
            DriverCapabilities caps = slot.ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (caps == null) return SysResult.err(Errno.CLOSED, "driver " + name + " failed: " + slot.lastError);
        } catch (TimeoutException e) {
            slot.lastError = "init did not finish within " + timeout.toMillis() + " ms";
            slot.stopping = true; // a driver that cannot start is not restarted
            table.signal(slot.process.pid(), Signal.KILL, "driver manager");
            slot.state = DriverState.FAILED;
            return SysResult.err(Errno.TIMEOUT, "driver " + name + ": " + slot.lastError);
        } catch (ExecutionException e) {
            throw new IllegalStateException("ready futures never fail", e);
        }
        return SysResult.ok(slot.info());
    }

    private SysResult<KoshProcess> spawn(Slot slot) {
        watchDeadlines();
        var request = new ProcessTable.SpawnRequest(slot.bundle, List.of(), ProcessTable.INIT_PID, slot.capabilities,
                Priority.INTERACTIVE, PROCESS_PREFIX + slot.name);
        SysResult<KoshProcess> r = table.spawn(request);
        switch (r) {
            case SysResult.Ok<KoshProcess> ok -> { } // slot.process was set by processSpawned
            case SysResult.Err<KoshProcess> err -> {
                slot.state = DriverState.FAILED;
                slot.lastError = err.message();
                journal.error("driver " + slot.name, "cannot start: " + err.message());
                slot.ready.complete(null);
            }
        }
        return r;
    }

    /** Stops a driver unless others depend on it; see {@link #stop(String, Duration, boolean)}. */
    public SysResult<DriverInfo> stop(String name, Duration timeout) throws InterruptedException {
        return stop(name, timeout, false);
    }

    /**
     * Stops a driver: TERM to its process (its cleanup runs), KILL if it does not end in time.
     * Refused while live drivers need something only this one provides, naming them, unless
     * {@code force} (then the dependents are named in the journal and keep running without it).
     */
    public SysResult<DriverInfo> stop(String name, Duration timeout, boolean force) throws InterruptedException {
        Slot slot = slots.get(name);
        if (slot == null) return SysResult.err(Errno.INVALID_ARGUMENT, "no driver " + name);
        synchronized (dependencies) {
            List<String> needers = dependents(slot);
            if (!needers.isEmpty()) {
                if (!force) {
                    return SysResult.err(Errno.INVALID_ARGUMENT, "driver " + name + " is needed by " + String.join(", ", needers)
                            + "; stop " + (needers.size() == 1 ? "it" : "them") + " first, or force");
                }
                journal.warn("driver " + name, "forced to stop although " + String.join(", ", needers) + " depend on it");
            }
            slot.stopping = true;
        }
        KoshProcess p = slot.process;
        if (p != null && !p.finished()) {
            table.signal(p.pid(), Signal.TERM, "driver manager");
            table.awaitExit(p, timeout);
            if (!p.finished()) {
                table.signal(p.pid(), Signal.KILL, "driver manager");
                table.awaitExit(p, KILL_WAIT);
            }
            // Whatever the instance still held is answered here if its exit hook has not run yet:
            // the slot leaves the table below, and a late exit hook would no longer find it.
            for (DriverHost.Pending o : slot.exited(p.pid())) {
                o.reply().complete(DriverResponse.failed(DriverError.Code.UNAVAILABLE, "driver " + name + " stopped"));
            }
        }
        slot.state = DriverState.STOPPED;
        endInstance(slot);
        closeSlot(slot, DriverError.Code.UNAVAILABLE, "driver " + name + " stopped");
        slots.remove(name, slot);
        journal.info("driver " + name, "stopped");
        return SysResult.ok(slot.info());
    }

    /** The live drivers that need something only {@code name} provides, by name; empty if none or no such driver. */
    public List<String> dependents(String name) {
        Slot slot = slots.get(name);
        if (slot == null) return List.of();
        synchronized (dependencies) {
            return dependents(slot);
        }
    }

    private List<String> dependents(Slot target) {
        List<String> out = new ArrayList<>();
        for (Slot s : slots.values()) {
            if (s == target || !s.live()) continue;
            for (String r : s.requires) {
                if (target.provides.contains(r) && !providedBy(r, target, null)) {
                    out.add(s.name + " (requires " + r + ")");
                    break;
                }
            }
        }
        out.sort(null);
        return out;
    }

    /**
     * True if a slot other than {@code except} provides {@code requirement} and is live (or, with
     * {@code state}, in that state).
     */
    private boolean providedBy(String requirement, Slot except, DriverState state) {
        for (Slot s : slots.values()) {
            if (s == except || !s.provides.contains(requirement)) continue;
            if (state == null ? s.live() : s.state == state && !s.stopping) return true;
        }
        return false;
    }

    /**
     * Starts a set of drivers in dependency order (boot, or a deploy of several bundles): each
     * after the drivers providing what it requires. Drivers in a cycle, with a requirement nobody
     * provides, or depending on one that failed to start are not started; every driver of the set
     * gets an outcome saying which, in the order they were tried.
     */
    public List<LaunchOutcome> startAll(List<DriverLaunch> launches, Duration timeout) throws InterruptedException {
        java.util.Map<String, DriverLaunch> byName = new java.util.TreeMap<>();
        for (DriverLaunch l : launches) byName.put(l.descriptor().name(), l);
        DependencyOrder.Plan plan = DependencyOrder.plan(byName.values().stream().map(DriverLaunch::descriptor).toList(),
                r -> providedBy(r, null, DriverState.RUNNING));
        List<LaunchOutcome> out = new ArrayList<>();
        Set<String> failed = new java.util.TreeSet<>();
        for (DriverDescriptor d : plan.order()) {
            DriverLaunch l = byName.get(d.name());
            String failedDep = d.requires().stream().filter(r -> !providedBy(r, null, DriverState.RUNNING))
                    .findFirst().orElse(null);
            if (failedDep != null) {
                List<String> providers = failed.stream().filter(f -> byName.get(f).descriptor().provides().contains(failedDep)).toList();
                out.add(new LaunchOutcome.Skipped(d.name(), "requires " + failedDep + ", but "
                        + (providers.isEmpty() ? "no driver provides it now" : String.join(", ", providers) + " did not start")));
                failed.add(d.name());
                continue;
            }
            switch (start(d, l.capabilities(), l.essential(), l.supervision(), timeout)) {
                case SysResult.Ok<DriverInfo> ok -> out.add(new LaunchOutcome.Started(ok.value()));
                case SysResult.Err<DriverInfo> err -> {
                    out.add(new LaunchOutcome.Failed(d.name(), err.errno(), err.message()));
                    failed.add(d.name());
                }
            }
        }
        for (DependencyOrder.Blocked b : plan.blocked()) {
            journal.error("driver " + b.driver(), "not started: " + b.reason());
            out.add(new LaunchOutcome.Skipped(b.driver(), b.reason()));
        }
        return out;
    }

    /**
     * Where the hardware grants of drivers started from now on come from: DMA buffers from
     * {@code dma} (null: none), I/O ports through {@code portDevice} (null or absent: refused, with
     * the reason).
     */
    public void grantHardware(dev.kosh.memory.PhysicalMemory dma, java.nio.file.Path portDevice) {
        this.dmaMemory = dma;
        this.portDevice = portDevice;
    }

    /** The interrupt lines granted to drivers: what delivers a device's interrupts raises its line here. */
    public InterruptLines interrupts() {
        return interruptLines;
    }

    /** The device registry: the hardware, the drivers' match rules, and who is bound to what ({@code lsdev}). */
    public DeviceRegistry devices() {
        return devices;
    }

    /** The devices bound to a running driver's instances (the ones its context holds), for {@code lsdrv}. */
    public List<String> devicesOf(String name) {
        Slot s = slots.get(name);
        return s == null ? List.of() : s.context.devices().stream().map(r -> r.device()).toList();
    }

    /**
     * The request journal of driver {@code name}, or null (no request journal, or it cannot be
     * opened: the driver runs without, and the kernel journal says why). Requests its log holds
     * from before this start (dispatched, never completed: the kernel stopped while they were in
     * flight) cannot be answered, their callers are gone; they are journaled so that {@code dmesg}
     * tells, and closed.
     */
    private RequestJournal.Log openLog(String name) {
        if (requestJournal == null) return null;
        List<RequestJournal.Entry> left;
        RequestJournal.Log log;
        try {
            log = requestJournal.log(name);
            left = log.unfinished();
        } catch (RuntimeException e) {
            journal.error("driver " + name, "cannot open its request journal (" + e + "); in-flight requests are kept in memory only");
            return null;
        }
        reportUnfinished(name, left);
        return log;
    }

    private void reportUnfinished(String name, List<RequestJournal.Entry> left) {
        if (left.isEmpty()) return;
        journal.warn("driver " + name, left.size() + " request(s) dispatched before the driver last ended were never completed: "
                + left.stream().limit(8).map(e -> "#" + e.seq() + " " + e.request().operation()
                + (e.request().idempotent() ? " (idempotent)" : "")).toList());
    }

    /** The system is halting: drivers that end from now on are not restarted. */
    public void shutdown() {
        shuttingDown = true;
    }

    /**
     * Sends a request to a driver and waits for its response. A driver that holds the request
     * past {@code timeout} is taken to hang: its process is killed and the driver restarted.
     */
    public SysResult<DriverResponse> call(String name, DriverRequest request, Duration timeout) throws InterruptedException {
        if (request == null || timeout == null || timeout.isNegative()) {
            return SysResult.err(Errno.INVALID_ARGUMENT, "a call needs a request and a timeout");
        }
        Slot slot = slots.get(name);
        if (slot == null) return SysResult.err(Errno.INVALID_ARGUMENT, "no driver " + name);
        Object queued = enqueue(slot, request);
        if (queued instanceof DriverResponse refused) return SysResult.ok(refused);
        DriverHost.Pending pending = (DriverHost.Pending) queued;
        CompletableFuture<DriverResponse> reply = pending.reply();
        long sentAt = System.nanoTime();
        if (slot.answers.spinFor(reply, sentAt)) {
            slot.answers.answered(System.nanoTime() - sentAt);
            return SysResult.ok(reply.join());
        }
        // Wait in short steps: a request that slipped into the channel just as the driver ended for
        // good is never answered, and its caller must hear UNAVAILABLE, not wait out its deadline.
        long deadline = sentAt + timeout.toNanos();
        while (true) {
            long step = Math.min(POLL_STEP.toNanos(), deadline - System.nanoTime());
            try {
                DriverResponse answer = reply.get(Math.max(0, step), TimeUnit.NANOSECONDS);
                slot.answers.answered(System.nanoTime() - sentAt);
                return SysResult.ok(answer);
            } catch (TimeoutException e) {
                // Giving up completes the reply, so that a request still waiting is never served
                // after its caller was told it was not (the driver skips completed ones).
                DriverState now = slot.state;
                if (now == DriverState.FAILED || now == DriverState.STOPPED) {
                    return SysResult.ok(giveUp(reply, DriverError.Code.UNAVAILABLE, "driver " + name + " is " + now.label()));
                }
                if (System.nanoTime() - deadline >= 0) {
                    DriverResponse answer = giveUp(reply, DriverError.Code.TIMEOUT, "driver " + name + " did not answer within " + timeout.toMillis() + " ms");
                    if (slot.holds(pending)) hung(slot, pending, timeout);
                    return SysResult.ok(answer);
                }
            } catch (ExecutionException e) {
                throw new IllegalStateException("reply futures never fail", e);
            }
        }
    }

    /**
     * Sends a request to a driver without waiting: the future completes with the driver's answer,
     * or with the kernel's error (BUSY when its queue is full, UNAVAILABLE when it is not running
     * or stops, RESTARTED or FAULT after a fault, TIMEOUT once {@code timeout} has passed). A
     * client keeps several requests in flight this way — what a {@code ConcurrentDriver} serves
     * together. A driver that holds a request past its own supervision deadline is killed and
     * restarted by the deadline watchdog, whoever waits.
     */
    public SysResult<CompletableFuture<DriverResponse>> send(String name, DriverRequest request, Duration timeout) {
        if (request == null || timeout == null || timeout.isNegative()) {
            return SysResult.err(Errno.INVALID_ARGUMENT, "a request needs a request and a timeout");
        }
        Slot slot = slots.get(name);
        if (slot == null) return SysResult.err(Errno.INVALID_ARGUMENT, "no driver " + name);
        Object queued = enqueue(slot, request);
        if (queued instanceof DriverResponse refused) return SysResult.ok(CompletableFuture.completedFuture(refused));
        CompletableFuture<DriverResponse> reply = ((DriverHost.Pending) queued).reply();
        DriverState now = slot.state; // ended for good just as the request went in: nobody will serve it
        if (now == DriverState.FAILED || now == DriverState.STOPPED) giveUp(reply, DriverError.Code.UNAVAILABLE, "driver " + name + " is " + now.label());
        // The deadline watchdog answers it TIMEOUT if nobody has by then (giveUp completes only
        // a reply nobody answered yet, and the driver skips a request already answered).
        if (!reply.isDone()) {
            slot.timed.add(new Timed(new java.lang.ref.WeakReference<>(reply), System.nanoTime() + timeout.toNanos(), timeout.toMillis()));
            watchDeadlines();
        }
        return SysResult.ok(reply);
    }

    /** Queues {@code request} for the driver: its {@link DriverHost.Pending}, or the response that refuses it now. */
    private static Object enqueue(Slot slot, DriverRequest request) {
        DriverState state = slot.state;
        if (state != DriverState.RUNNING && state != DriverState.RESTARTING) {
            return DriverResponse.failed(DriverError.Code.UNAVAILABLE, "driver " + slot.name + " is " + state.label());
        }
        DriverHost.Pending pending = new DriverHost.Pending(request, new CompletableFuture<>());
        return switch (slot.channel.trySend(pending)) {
            case OK -> pending;
            case FULL -> DriverResponse.failed(DriverError.Code.BUSY, "driver " + slot.name + " has " + CHANNEL_CAPACITY + " requests waiting");
            case CLOSED, TIMEOUT -> DriverResponse.failed(DriverError.Code.UNAVAILABLE, "driver " + slot.name + " is stopping");
        };
    }

    /** Answers {@code reply} with an error unless the driver's answer got there first; the answer that won. */
    private static DriverResponse giveUp(CompletableFuture<DriverResponse> reply, DriverError.Code code, String why) {
        DriverResponse mine = DriverResponse.failed(code, why);
        return reply.complete(mine) ? mine : reply.join();
    }

    /**
     * A driver sat on {@code pending} past a deadline (its caller's or its own): isolate it — its
     * process is killed once, and the exit hook restarts it.
     */
    private void hung(Slot slot, DriverHost.Pending pending, Duration limit) {
        KoshProcess p = slot.process;
        if (p == null || p.finished() || !slot.killForHang(p.pid(), pending)) return;
        // Where it hangs, taken before the kill unwinds it: the most useful line of the dump.
        List<String> where = p.threads().stream().findFirst().map(t -> CrashDump.frames(t.getStackTrace())).orElse(List.of());
        slot.fault = new Fault(p.pid(), "hung: no answer within " + limit.toMillis() + " ms", where);
        journal.error("driver " + slot.name, "hung in handleRequest for " + limit.toMillis() + " ms; killing pid " + p.pid());
        table.signal(p.pid(), Signal.KILL, "driver manager (hung driver)");
    }

    /**
     * The deadline watchdog's body: every few milliseconds (a quarter of the shortest deadline,
     * between 1 and 100 ms) it kills the drivers that have held a request past their
     * supervision's deadline, so a hang ends even when its caller waits long or has gone. It ends
     * when no driver is live, and {@link #watchDeadlines} starts it again when one is.
     */
    private void deadlineLoop() {
        while (!shuttingDown) {
            long now = System.nanoTime();
            AnswerWait.sampleLoad(now); // here, not on the request path: it reads /proc
            long shortest = Long.MAX_VALUE;
            boolean live = false;
            for (Slot s : slots.values()) {
                if (!s.live()) continue;
                live = true;
                long limit = s.supervision.deadline().toNanos();
                shortest = Math.min(shortest, limit);
                DriverHost.Pending p = s.overdue(now, limit);
                if (p != null) hung(s, p, s.supervision.deadline());
                expireTimed(s, now);
            }
            if (!live) {
                synchronized (this) {
                    if (slots.values().stream().noneMatch(Slot::live)) {
                        deadlineWatchdog = null;
                        return;
                    }
                }
                shortest = TimeUnit.MILLISECONDS.toNanos(100);
            }
            LockSupport.parkNanos(Math.clamp(shortest / 4, TimeUnit.MILLISECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(100)));
        }
        synchronized (this) {
            deadlineWatchdog = null;
        }
    }

    /** Answers TIMEOUT to the asynchronous requests past their callers' deadlines; forgets the answered ones. */
    private static void expireTimed(Slot s, long now) {
        for (var it = s.timed.iterator(); it.hasNext(); ) {
            Timed t = it.next();
            CompletableFuture<DriverResponse> reply = t.reply().get();
            if (reply == null || reply.isDone()) {
                it.remove(); // answered (and perhaps already collected)
            } else if (now - t.deadline() >= 0) {
                giveUp(reply, DriverError.Code.TIMEOUT, "driver " + s.name + " did not answer within " + t.timeoutMillis() + " ms");
                it.remove();
            }
        }
    }

    /** Starts the deadline watchdog unless it runs (after a slot became live). */
    private synchronized void watchDeadlines() {
        if (deadlineWatchdog != null || shuttingDown) return;
        deadlineWatchdog = Thread.ofPlatform().name("kosh-driver-deadlines").daemon(true).start(this::deadlineLoop);
    }

    private void processExited(KoshProcess p) {
        for (Slot slot : slots.values()) {
            if (slot.process != p) continue;
            ExitStatus status = p.exitFuture().join();
            String serving = slot.servingDescription();
            List<DriverHost.Pending> orphans = slot.exited(p.pid());
            endInstance(slot); // its DMA buffers and ports go with it
            if (slot.stopping || shuttingDown) {
                if (slot.state != DriverState.FAILED) slot.state = DriverState.STOPPED;
                for (DriverHost.Pending o : orphans) o.reply().complete(DriverResponse.failed(DriverError.Code.UNAVAILABLE, "driver " + slot.name + " stopped"));
                closeSlot(slot, DriverError.Code.UNAVAILABLE, "driver " + slot.name + " stopped");
                return;
            }
            if (slot.state == DriverState.FAILED && slot.ready.getNow(null) == null && slot.ready.isDone()) {
                closeSlot(slot, DriverError.Code.UNAVAILABLE, "driver " + slot.name + " failed: " + slot.lastError);
                return; // init failed: nothing to restart
            }
            Fault said = slot.fault;
            boolean own = said != null && said.pid() == p.pid();
            String cause = own ? said.cause() : "process ended: " + status.reason();
            slot.faults.incrementAndGet();
            slot.lastError = "fault: " + cause;
            CrashDump dump = new CrashDump(slot.name, p.pid(), Instant.now(), cause, serving,
                    slot.lastRequests(), slot.requests.get(), slot.restarts.get(), own ? said.stack() : List.of());
            slot.lastCrash = dump;
            journal.error("driver " + slot.name, "pid " + p.pid() + " faulted (" + cause + "); " + dump.line());
            if (withinIntensity(slot)) {
                restart(slot, orphans, cause);
            } else {
                journal.error("driver " + slot.name, "restarted " + slot.supervision.maxRestarts() + " times within "
                        + slot.supervision.window().toSeconds() + " s; marked failed");
                slot.state = DriverState.FAILED;
                for (DriverHost.Pending o : orphans) o.reply().complete(DriverResponse.failed(DriverError.Code.FAULT, "driver " + slot.name + " faulted: " + cause));
                closeSlot(slot, DriverError.Code.UNAVAILABLE, "driver " + slot.name + " failed: " + cause);
            }
            return;
        }
    }

    /** Gives back what the ended instance held of its devices. */
    private void endInstance(Slot slot) {
        if (slot.grants == null) return;
        int kept = slot.grants.endInstance();
        if (kept > 0) journal.warn("driver " + slot.name, kept + " DMA buffer(s) still held by a native call when the instance ended; their frames are kept");
    }

    private static boolean withinIntensity(Slot slot) {
        long now = System.nanoTime();
        synchronized (slot.recentRestarts) {
            while (!slot.recentRestarts.isEmpty() && now - slot.recentRestarts.peekFirst() > slot.supervision.window().toNanos()) {
                slot.recentRestarts.removeFirst();
            }
            if (slot.recentRestarts.size() >= slot.supervision.maxRestarts()) return false;
            slot.recentRestarts.addLast(now);
            return true;
        }
    }

    /**
     * Starts a new instance on the same channel; each request that was in flight is replayed (ahead
     * of the channel, in the order it was begun) or answered RESTARTED.
     */
    private void restart(Slot slot, List<DriverHost.Pending> orphans, String cause) {
        // Read now: once the new instance runs, its own exit (an init crash, say) may set it again.
        int fromJournal = slot.orphansFromJournal;
        slot.state = DriverState.RESTARTING;
        slot.ready = new CompletableFuture<>();
        int replaying = 0;
        for (DriverHost.Pending orphan : orphans.reversed()) { // addFirst: the oldest ends up first
            if (orphan.request().idempotent() && orphan.replays() < MAX_REPLAYS) {
                slot.replay.addFirst(orphan.replayed());
                replaying++;
            } else if (orphan.request().idempotent()) {
                // A request that was in flight at every fault of its last instances is likely the
                // cause: replaying it again would restart the driver until it is marked failed.
                orphan.reply().complete(DriverResponse.failed(DriverError.Code.FAULT, "driver " + slot.name + " faulted ("
                        + cause + ") on this request again after it was replayed " + orphan.replays() + " time(s); not replayed again"));
            } else {
                orphan.reply().complete(DriverResponse.failed(DriverError.Code.RESTARTED, "driver " + slot.name
                        + " was restarted after a fault (" + cause + "); the request was not replayed because it is not idempotent"));
            }
        }
        int n = slot.restarts.incrementAndGet();
        if (spawn(slot) instanceof SysResult.Ok<KoshProcess> ok) {
            journal.warn("driver " + slot.name, "restarted as pid " + ok.value().pid() + " (restart " + n + ", at most "
                    + slot.supervision.maxRestarts() + " in " + slot.supervision.window().toSeconds() + " s)" + replayNote(replaying, fromJournal));
        } else {
            closeSlot(slot, DriverError.Code.UNAVAILABLE, "driver " + slot.name + " could not be restarted: " + slot.lastError);
        }
    }

    private static String replayNote(int replaying, int fromJournal) {
        if (replaying == 0) return "";
        String where = fromJournal >= replaying ? " from the request journal"
                : fromJournal == 0 ? " (the caller's copy)" : " (" + fromJournal + " from the request journal, the rest from the callers' copies)";
        return replaying == 1 ? "; replaying the request in flight" + where : "; replaying the " + replaying + " requests in flight" + where;
    }

    /** Closes the slot's channel and answers everything still waiting in it. */
    private static void closeSlot(Slot slot, DriverError.Code code, String why) {
        slot.channel.close();
        slot.ready.complete(null);
        DriverHost.Pending p;
        while ((p = slot.replay.pollFirst()) != null) p.reply().complete(DriverResponse.failed(code, why));
        slot.consumer.lock(); // a late instance may still be polling: one consumer at a time
        try {
            while ((p = slot.channel.poll()) != null) p.reply().complete(DriverResponse.failed(code, why));
        } finally {
            slot.consumer.unlock();
        }
    }

    public List<DriverInfo> list() {
        List<DriverInfo> out = new ArrayList<>();
        for (Slot s : slots.values()) out.add(s.info());
        out.sort(Comparator.comparing(DriverInfo::name));
        return out;
    }

    /** The slot of driver {@code name}, or null (tests look at its wait statistics). */
    Slot slotForTest(String name) {
        return slots.get(name);
    }

    /** The last crash dump of a driver, if it ever faulted. */
    public Optional<CrashDump> crashDump(String name) {
        Slot s = slots.get(name);
        return s == null ? Optional.empty() : Optional.ofNullable(s.lastCrash);
    }

    /** True when a driver of that name is running (services may start after it). */
    public boolean available(String name) {
        Slot s = slots.get(name);
        return s != null && s.state == DriverState.RUNNING;
    }

    /** Drivers loaded from a bundle, for hot deploy: the names of the drivers it provides. */
    public List<String> driversFromBundle(String bundle) {
        return slots.values().stream().filter(s -> s.bundle.equals(bundle)).map(s -> s.name).sorted().toList();
    }
}
