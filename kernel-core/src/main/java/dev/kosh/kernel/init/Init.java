package dev.kosh.kernel.init;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;

import dev.kosh.api.ExitStatus;
import dev.kosh.api.Signal;
import dev.kosh.api.SysResult;
import dev.kosh.kernel.config.ServiceSpec;
import dev.kosh.kernel.config.SystemConfig;
import dev.kosh.kernel.journal.Journal;
import dev.kosh.kernel.process.CapabilitySet;
import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.kernel.process.ProcessTable;

/**
 * PID 1. All service state is owned by the agent thread (the thread of pid 1): other threads
 * only enqueue tasks, so nothing here is locked.
 */
public final class Init implements AutoCloseable {
    /** Pause before a restart, so a service that dies at once does not spin. */
    static final Duration RESTART_DELAY = Duration.ofMillis(100);

    private final ProcessTable table;
    private final SystemConfig config;
    private final PrintStream out;
    private final Predicate<String> driverAvailable;
    private final Journal journal;
    private final DelayQueue<Task> tasks = new DelayQueue<>();
    private final Map<String, Service> services = new LinkedHashMap<>(); // agent thread only
    private volatile boolean shuttingDown;
    private volatile boolean agentRunning = true;
    private volatile List<ServiceStatus> published = List.of();
    private KoshProcess process;

    public Init(ProcessTable table, SystemConfig config, PrintStream out, Predicate<String> driverAvailable) {
        this.table = table;
        this.config = config;
        this.out = out;
        this.driverAvailable = driverAvailable;
        this.journal = table.journal();
        for (ServiceSpec spec : config.services()) services.put(spec.name(), new Service(spec));
        publish();
    }

    /** Mutable service record; touched by the agent thread only. */
    private static final class Service {
        final ServiceSpec spec;
        ServiceStatus.State state = ServiceStatus.State.WAITING;
        KoshProcess process;
        int restarts;
        String lastExit = "";
        final Deque<Long> recentRestarts = new ArrayDeque<>(); // nanoTime of restarts within the window

        Service(ServiceSpec spec) {
            this.spec = spec;
        }
    }

    private record Task(Runnable body, long dueNanos) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(dueNanos, ((Task) other).dueNanos);
        }
    }

    /**
     * The capabilities of pid 1: every capability a service may be granted, so that the policy
     * in {@code system.conf} alone decides what services get.
     */
    public static final CapabilitySet INIT_CAPABILITIES = new CapabilitySet(Set.of("console", "log", "spawn", "publish"));

    /**
     * Starts init's agent on pid 1 (created by {@link ProcessTable#createInit} when the process
     * table came up, so that drivers started before init already have their parent).
     */
    public void start(KoshProcess pid1) {
        if (pid1.pid() != ProcessTable.INIT_PID) throw new IllegalArgumentException("init runs as pid 1, not " + pid1);
        process = pid1;
        table.onExit(p -> {
            if (p.pid() != ProcessTable.INIT_PID) submit(() -> childExited(p));
        });
        table.startKernelThread(process, "agent", this::agentLoop).orThrow();
    }

    private void agentLoop() {
        while (agentRunning) {
            Task task;
            try {
                task = tasks.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                continue; // init is never interrupted out of its loop; close() ends it
            }
            if (task == null) continue;
            try {
                task.body().run();
            } catch (RuntimeException e) {
                journal.error("init", "internal error in init task: " + e);
            }
        }
    }

    private void submit(Runnable body) {
        tasks.add(new Task(body, System.nanoTime()));
    }

    private void submitLater(Runnable body, Duration delay) {
        tasks.add(new Task(body, System.nanoTime() + delay.toNanos()));
    }

    private <T> T onAgent(Supplier<T> body, Duration timeout) {
        CompletableFuture<T> result = new CompletableFuture<>();
        submit(() -> {
            try {
                result.complete(body.get());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        try {
            return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for init", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("init failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("init did not answer within " + timeout.toMillis() + " ms", e);
        }
    }

    /** What starting the configured services came to. */
    public record StartSummary(int started, int failed, List<String> essentialFailures) {}

    /** Starts every configured service in order, printing a line for each. Blocks until done. */
    public StartSummary startServices() {
        return onAgent(this::startAll, Duration.ofMinutes(2));
    }

    private StartSummary startAll() {
        int started = 0, failed = 0;
        List<String> essentialFailures = new ArrayList<>();
        for (Service s : services.values()) {
            String blocker = unmetDependency(s.spec);
            String failure = blocker != null ? "dependency " + blocker + " is not running" : spawn(s);
            if (failure == null) {
                started++;
                out.println(String.format("[  OK  ] Started %s (pid %d)", s.spec.name(), s.process.pid()));
            } else {
                failed++;
                s.state = ServiceStatus.State.FAILED;
                s.lastExit = failure;
                out.println(String.format("[FAILED] Failed to start %s: %s", s.spec.name(), failure));
                journal.error("init", "service " + s.spec.name() + " failed to start: " + failure);
                if (s.spec.essential()) essentialFailures.add(s.spec.name());
            }
        }
        publish();
        return new StartSummary(started, failed, essentialFailures);
    }

    private String unmetDependency(ServiceSpec spec) {
        for (String dep : spec.after()) {
            Service s = services.get(dep);
            if (s != null ? s.state != ServiceStatus.State.RUNNING : !driverAvailable.test(dep)) return dep;
        }
        return null;
    }

    /** Spawns the service's process; null on success, else the reason. */
    private String spawn(Service s) {
        ServiceSpec spec = s.spec;
        var request = new ProcessTable.SpawnRequest(spec.program(), spec.args(), ProcessTable.INIT_PID,
                spec.capabilities(), spec.priority(), spec.name());
        return switch (table.spawn(request)) {
            case SysResult.Ok<KoshProcess> ok -> {
                s.process = ok.value();
                s.state = ServiceStatus.State.RUNNING;
                journal.info("init", "service " + spec.name() + " started as pid " + ok.value().pid());
                publish();
                yield null;
            }
            case SysResult.Err<KoshProcess> err -> err.message();
        };
    }

    private void childExited(KoshProcess p) {
        for (Service s : services.values()) {
            if (s.process != p) continue;
            ExitStatus status = p.exitFuture().join();
            s.lastExit = status.reason();
            s.process = null;
            if (shuttingDown || s.state == ServiceStatus.State.STOPPED) {
                s.state = ServiceStatus.State.STOPPED;
            } else if (!shouldRestart(s.spec, status)) {
                s.state = status.success() || endedBySignal(status) ? ServiceStatus.State.EXITED : ServiceStatus.State.FAILED;
                journal.info("init", "service " + s.spec.name() + " ended (" + status.reason() + "); policy "
                        + s.spec.restart().mode().name().toLowerCase(java.util.Locale.ROOT) + ": not restarting");
            } else if (!withinIntensity(s)) {
                s.state = ServiceStatus.State.FAILED;
                journal.error("init", "service " + s.spec.name() + " restarted " + s.spec.restart().maxRestarts()
                        + " times within " + s.spec.restart().window().toSeconds() + " s; giving up (" + status.reason() + ")");
            } else {
                s.state = ServiceStatus.State.WAITING;
                journal.warn("init", "service " + s.spec.name() + " ended (" + status.reason() + "); restarting");
                submitLater(() -> restart(s), RESTART_DELAY);
            }
            publish();
            return;
        }
    }

    /** Restart rules after systemd: a clean TERM, INT or HUP is a stop, not a failure. */
    private static boolean shouldRestart(ServiceSpec spec, ExitStatus status) {
        if (endedBySignal(status) && spec.restart().mode() == dev.kosh.kernel.config.RestartPolicy.Mode.ON_FAILURE) return false;
        return spec.restart().restarts(status.code());
    }

    /** Ended by TERM, INT or HUP: a stop that was asked for. */
    private static boolean endedBySignal(ExitStatus status) {
        return status.code() == 128 + Signal.TERM.number() || status.code() == 128 + Signal.INT.number()
                || status.code() == 128 + Signal.HUP.number();
    }

    private boolean withinIntensity(Service s) {
        long now = System.nanoTime();
        long window = s.spec.restart().window().toNanos();
        while (!s.recentRestarts.isEmpty() && now - s.recentRestarts.peekFirst() > window) s.recentRestarts.removeFirst();
        if (s.recentRestarts.size() >= s.spec.restart().maxRestarts()) return false;
        s.recentRestarts.addLast(now);
        return true;
    }

    private void restart(Service s) {
        if (shuttingDown || s.state != ServiceStatus.State.WAITING) return;
        String failure = spawn(s);
        if (failure == null) {
            s.restarts++;
        } else {
            s.state = ServiceStatus.State.FAILED;
            s.lastExit = failure;
            journal.error("init", "service " + s.spec.name() + " failed to restart: " + failure);
        }
        publish();
    }

    private void publish() {
        List<ServiceStatus> list = new ArrayList<>();
        for (Service s : services.values()) {
            list.add(new ServiceStatus(s.spec.name(), s.state, s.process == null ? 0 : s.process.pid(), s.restarts, s.lastExit));
        }
        published = List.copyOf(list);
    }

    /** The services and their state (a snapshot; callable from any thread). */
    public List<ServiceStatus> services() {
        return published;
    }

    public SystemConfig config() {
        return config;
    }

    /**
     * Stops services in reverse start order (TERM, then KILL after the stop timeout), then every
     * other process, then init's agent.
     */
    public void shutdown() {
        shuttingDown = true;
        List<KoshProcess> running = onAgent(() -> {
            List<KoshProcess> list = new ArrayList<>();
            for (Service s : services.values()) {
                if (s.process != null) list.addFirst(s.process);
                s.state = ServiceStatus.State.STOPPED;
            }
            publish();
            return list;
        }, Duration.ofSeconds(10));
        for (KoshProcess p : running) {
            table.signal(p.pid(), Signal.TERM, "init (shutdown)");
            try {
                table.awaitExit(p, config.stopTimeout());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!p.finished()) table.signal(p.pid(), Signal.KILL, "init (shutdown)");
        }
        table.terminateAll(config.stopTimeout());
    }

    @Override
    public void close() {
        agentRunning = false;
    }
}
