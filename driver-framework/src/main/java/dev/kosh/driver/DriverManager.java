package dev.kosh.driver;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import dev.kosh.api.Errno;
import dev.kosh.api.Program;
import dev.kosh.api.Signal;
import dev.kosh.api.SysResult;
import dev.kosh.driver.api.DriverCapabilities;
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
 * Runs drivers as processes and routes requests to them. Each driver has a slot (its name, its
 * request channel, its state); the slot outlives the driver's process, so a client's way to the
 * driver does not depend on which process serves it. Thread-safe: slots are in a concurrent map and
 * each slot's state is volatile, written by the driver's own process or by the table's exit hook.
 */
public final class DriverManager {
    /** Requests waiting for a driver, per driver. A full channel is reported as BUSY, never dropped. */
    static final int CHANNEL_CAPACITY = 1024;
    /** How often a waiting caller re-checks that its driver is still there. */
    private static final Duration POLL_STEP = Duration.ofMillis(50);

    private final ProcessTable table;
    private final Journal journal;
    private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();

    public DriverManager(ProcessTable table, Journal journal) {
        this.table = table;
        this.journal = journal;
        table.onExit(this::processExited);
    }

    /** One driver's place in the manager. */
    static final class Slot {
        final String name;
        final String bundle;
        final boolean essential;
        final MpscChannel<DriverHost.Pending> channel = new MpscChannel<>(CHANNEL_CAPACITY);
        final CompletableFuture<DriverCapabilities> ready = new CompletableFuture<>();
        final AtomicLong requests = new AtomicLong();
        final AtomicLong faults = new AtomicLong();
        volatile DriverState state = DriverState.STARTING;
        volatile KoshProcess process;
        volatile String lastError = "";
        volatile boolean stopping;
        private final Journal journal;

        Slot(String name, String bundle, boolean essential, Journal journal) {
            this.name = name;
            this.bundle = bundle;
            this.essential = essential;
            this.journal = journal;
        }

        void ready(DriverCapabilities caps) {
            state = DriverState.RUNNING;
            journal.info("driver " + name, "running: " + caps.deviceClass() + " " + caps.operations());
            ready.complete(caps);
        }

        void initFailed(DriverError error) {
            state = DriverState.FAILED;
            lastError = "init: " + error.code() + " " + error.message();
            journal.error("driver " + name, "init failed: " + error.code() + ": " + error.message());
            ready.complete(null);
        }

        void served() {
            requests.incrementAndGet();
        }

        void faulted(RuntimeException e) {
            faults.incrementAndGet();
            state = DriverState.FAILED;
            lastError = "fault: " + e;
            journal.error("driver " + name, "faulted in handleRequest: " + e + "; driver process isolated");
        }

        DriverInfo info() {
            KoshProcess p = process;
            return new DriverInfo(name, bundle, p == null || p.finished() ? 0 : p.pid(), state, requests.get(), faults.get(),
                    essential, ready.getNow(null), lastError);
        }
    }

    /**
     * The program for a driver process: called by the program loader when it loads a bundle that
     * declares a driver. Refused unless the manager is starting that driver, so a driver cannot be
     * started around the manager (with {@code run}, say).
     */
    public SysResult<Program> hostFor(String driverName, KoshDriver driver) {
        Slot slot = slots.get(driverName);
        if (slot == null || slot.state != DriverState.STARTING || slot.process != null) {
            return SysResult.err(Errno.NO_CAPABILITY, "driver " + driverName + " is started by the driver manager (insdrv), not run directly");
        }
        return SysResult.ok(new DriverHost(driverName, driver, slot.channel, slot));
    }

    /**
     * Starts the driver {@code name} from {@code bundle} as a driver process under init, and waits
     * up to {@code timeout} for its {@code init()}.
     */
    public SysResult<DriverInfo> start(String name, String bundle, Set<String> capabilities, boolean essential, Duration timeout)
            throws InterruptedException {
        if (name == null || name.isBlank() || bundle == null || bundle.isBlank() || capabilities == null || timeout == null) {
            return SysResult.err(Errno.INVALID_ARGUMENT, "a driver needs a name, a bundle, capabilities and a timeout");
        }
        Slot slot = new Slot(name, bundle, essential, journal);
        Slot existing = slots.putIfAbsent(name, slot);
        if (existing != null) {
            if (existing.state == DriverState.STARTING || existing.state == DriverState.RUNNING) {
                return SysResult.err(Errno.INVALID_ARGUMENT, "driver " + name + " is already " + existing.state.label());
            }
            slots.replace(name, existing, slot);
        }
        var request = new ProcessTable.SpawnRequest(bundle, List.of(), ProcessTable.INIT_PID, capabilities,
                Priority.INTERACTIVE, "drv:" + name);
        switch (table.spawn(request)) {
            case SysResult.Ok<KoshProcess> ok -> slot.process = ok.value();
            case SysResult.Err<KoshProcess> err -> {
                slot.state = DriverState.FAILED;
                slot.lastError = err.message();
                journal.error("driver " + name, "cannot start: " + err.message());
                return SysResult.err(err.errno(), err.message());
            }
        }
        try {
            DriverCapabilities caps = slot.ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (caps == null) return SysResult.err(Errno.CLOSED, "driver " + name + " failed: " + slot.lastError);
        } catch (TimeoutException e) {
            slot.lastError = "init did not finish within " + timeout.toMillis() + " ms";
            table.signal(slot.process.pid(), Signal.KILL, "driver manager");
            slot.state = DriverState.FAILED;
            return SysResult.err(Errno.TIMEOUT, "driver " + name + ": " + slot.lastError);
        } catch (ExecutionException e) {
            throw new IllegalStateException("ready futures never fail", e);
        }
        return SysResult.ok(slot.info());
    }

    /** Stops a driver: TERM to its process (its cleanup runs), KILL if it does not end in time. */
    public SysResult<DriverInfo> stop(String name, Duration timeout) throws InterruptedException {
        Slot slot = slots.get(name);
        if (slot == null) return SysResult.err(Errno.INVALID_ARGUMENT, "no driver " + name);
        slot.stopping = true;
        KoshProcess p = slot.process;
        if (p != null && !p.finished()) {
            table.signal(p.pid(), Signal.TERM, "driver manager");
            table.awaitExit(p, timeout);
            if (!p.finished()) table.signal(p.pid(), Signal.KILL, "driver manager");
        }
        slot.state = DriverState.STOPPED;
        slots.remove(name, slot);
        journal.info("driver " + name, "stopped");
        return SysResult.ok(slot.info());
    }

    /** Sends a request to a driver and waits for its response. */
    public SysResult<DriverResponse> call(String name, DriverRequest request, Duration timeout) throws InterruptedException {
        if (request == null || timeout == null || timeout.isNegative()) {
            return SysResult.err(Errno.INVALID_ARGUMENT, "a call needs a request and a timeout");
        }
        Slot slot = slots.get(name);
        if (slot == null) return SysResult.err(Errno.INVALID_ARGUMENT, "no driver " + name);
        if (slot.state != DriverState.RUNNING) {
            return SysResult.ok(DriverResponse.failed(DriverError.Code.UNAVAILABLE, "driver " + name + " is " + slot.state.label()));
        }
        CompletableFuture<DriverResponse> reply = new CompletableFuture<>();
        SendStatus sent = slot.channel.trySend(new DriverHost.Pending(request, reply));
        switch (sent) {
            case OK -> { }
            case FULL -> { return SysResult.ok(DriverResponse.failed(DriverError.Code.BUSY, "driver " + name + " has " + CHANNEL_CAPACITY + " requests waiting")); }
            case CLOSED, TIMEOUT -> { return SysResult.ok(DriverResponse.failed(DriverError.Code.UNAVAILABLE, "driver " + name + " is stopping")); }
        }
        // Wait in short steps: a request that slipped into the channel just as the driver's process
        // ended is never answered, and its caller must hear UNAVAILABLE, not wait out its deadline.
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long step = Math.min(POLL_STEP.toNanos(), deadline - System.nanoTime());
            try {
                return SysResult.ok(reply.get(Math.max(0, step), TimeUnit.NANOSECONDS));
            } catch (TimeoutException e) {
                if (slot.state != DriverState.RUNNING && slot.state != DriverState.STARTING) {
                    return SysResult.ok(DriverResponse.failed(DriverError.Code.UNAVAILABLE, "driver " + name + " is " + slot.state.label()));
                }
                if (System.nanoTime() - deadline >= 0) {
                    return SysResult.ok(DriverResponse.failed(DriverError.Code.TIMEOUT, "driver " + name + " did not answer within " + timeout.toMillis() + " ms"));
                }
            } catch (ExecutionException e) {
                throw new IllegalStateException("reply futures never fail", e);
            }
        }
    }

    private void processExited(KoshProcess p) {
        for (Slot slot : slots.values()) {
            if (slot.process != p) continue;
            if (slot.stopping) {
                slot.state = DriverState.STOPPED;
            } else if (slot.state != DriverState.FAILED) {
                slot.state = DriverState.FAILED;
                slot.lastError = "process ended: " + p.exitFuture().join().reason();
                journal.error("driver " + slot.name, "process " + p.pid() + " ended unexpectedly: " + slot.lastError);
            }
            slot.ready.complete(null);
            DriverHost.Pending pending;
            slot.channel.close();
            while ((pending = slot.channel.poll()) != null) {
                pending.reply().complete(DriverResponse.failed(DriverError.Code.UNAVAILABLE, "driver " + slot.name + " ended"));
            }
        }
    }

    public List<DriverInfo> list() {
        List<DriverInfo> out = new ArrayList<>();
        for (Slot s : slots.values()) out.add(s.info());
        out.sort(Comparator.comparing(DriverInfo::name));
        return out;
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
