package dev.kosh.kernel.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.kosh.kernel.boot.PhaseResult;
import dev.kosh.kernel.journal.Journal;
import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.kernel.process.ProcessTable;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;

/**
 * Binds the kernel's state to a meter registry. Gauges read live state when scraped, so nothing
 * here runs on a hot path; per-process meters come and go with the process (removed when it is
 * reaped, so the registry does not keep dead processes, or their class loaders, alive).
 *
 * <p>The registry may arrive after the boot has begun (building a Prometheus registry costs
 * ~100 ms of class loading on a cold JVM, so the launcher builds it alongside the boot): until
 * {@link #attach} every binding waits in order in a queue, and is applied then. Thread-safe: the
 * queue and the registry are guarded by this object's monitor.
 */
public final class KernelMetrics {
    private static final List<String> STATES = List.of("ready", "running", "blocked", "zombie");

    private MeterRegistry registry; // guarded by this
    private final List<Consumer<MeterRegistry>> pending = new ArrayList<>(); // guarded by this
    private final Map<Integer, Meter> cpuMeters = new ConcurrentHashMap<>();

    /** Metrics whose registry comes later, with {@link #attach}. */
    public KernelMetrics() {
    }

    public KernelMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Gives the metrics their registry and applies every binding made before. Once only. */
    public void attach(MeterRegistry registry) {
        List<Consumer<MeterRegistry>> queued;
        synchronized (this) {
            if (this.registry != null) throw new IllegalStateException("a registry is already attached");
            queued = new ArrayList<>(pending);
            pending.clear();
            for (Consumer<MeterRegistry> binding : queued) binding.accept(registry);
            this.registry = registry;
        }
    }

    /** Runs {@code binding} now if the registry is attached, else when it is. */
    public synchronized void whenAttached(Consumer<MeterRegistry> binding) {
        if (registry != null) {
            binding.accept(registry);
        } else {
            pending.add(binding);
        }
    }

    /** Records a boot phase's duration as {@code kosh_boot_phase_seconds{phase,result}}. */
    public void bootPhase(PhaseResult result) {
        double seconds = result.time().toNanos() / 1e9;
        whenAttached(r -> Gauge.builder("kosh.boot.phase", () -> seconds).baseUnit("seconds")
                .description("Time each boot phase took")
                .tag("phase", result.phase()).tag("result", result.ok() ? "ok" : "failed")
                .register(r));
    }

    public void bootReady(long millisSinceJvmStart) {
        whenAttached(r -> TimeGauge.builder("kosh.boot.ready", () -> millisSinceJvmStart, TimeUnit.MILLISECONDS)
                .description("JVM start to ready").register(r));
    }

    public void bindProcesses(ProcessTable table) {
        whenAttached(r -> {
            for (String state : STATES) {
                Gauge.builder("kosh.processes", table, t -> t.snapshot().stream().filter(p -> p.state().kind().equals(state)).count())
                        .description("Processes by state").tag("state", state).register(r);
            }
        });
        table.onSpawn(this::processStarted);
        table.onReap(this::processReaped);
    }

    private void processStarted(KoshProcess p) {
        int pid = p.pid();
        whenAttached(r -> cpuMeters.put(pid, FunctionCounter.builder("kosh.process.cpu", p, proc -> proc.cpuTime().toNanos() / 1e9)
                .baseUnit("seconds").description("CPU time used by a process")
                .tag("pid", Integer.toString(pid)).tag("name", p.name())
                .register(r)));
    }

    private void processReaped(KoshProcess p) {
        int pid = p.pid();
        whenAttached(r -> {
            Meter m = cpuMeters.remove(pid);
            if (m != null) r.remove(m);
        });
    }

    public void bindJournal(Journal journal) {
        whenAttached(r -> {
            Gauge.builder("kosh.journal.size", journal, Journal::sizeBytes).baseUnit("bytes")
                    .description("Nominal size of the journal's files").register(r);
            FunctionCounter.builder("kosh.journal.entries", journal, Journal::entriesAppended)
                    .description("Journal entries appended this boot").register(r);
        });
    }

    /** Counts a deploy event ({@code install, update, uninstall}) and its result ({@code ok, refused}). */
    public void deployEvent(String action, String result) {
        whenAttached(r -> r.counter("kosh.deploy.events", "action", action, "result", result).increment());
    }
}
