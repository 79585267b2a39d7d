package dev.kosh.kernel.metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

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
 */
public final class KernelMetrics {
    private static final List<String> STATES = List.of("ready", "running", "blocked", "zombie");

    private final MeterRegistry registry;
    private final Map<Integer, Meter> cpuMeters = new ConcurrentHashMap<>();

    public KernelMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Records a boot phase's duration as {@code kosh_boot_phase_seconds{phase,result}}. */
    public void bootPhase(PhaseResult result) {
        double seconds = result.time().toNanos() / 1e9;
        Gauge.builder("kosh.boot.phase", () -> seconds).baseUnit("seconds")
                .description("Time each boot phase took")
                .tag("phase", result.phase()).tag("result", result.ok() ? "ok" : "failed")
                .register(registry);
    }

    public void bootReady(long millisSinceJvmStart) {
        TimeGauge.builder("kosh.boot.ready", () -> millisSinceJvmStart, TimeUnit.MILLISECONDS)
                .description("JVM start to ready").register(registry);
    }

    public void bindProcesses(ProcessTable table) {
        for (String state : STATES) {
            Gauge.builder("kosh.processes", table, t -> t.snapshot().stream().filter(p -> p.state().kind().equals(state)).count())
                    .description("Processes by state").tag("state", state).register(registry);
        }
        table.onSpawn(this::processStarted);
        table.onReap(this::processReaped);
    }

    private void processStarted(KoshProcess p) {
        // Hold the process weakly through a function counter on its pid, not the object itself.
        int pid = p.pid();
        Meter m = FunctionCounter.builder("kosh.process.cpu", p, proc -> proc.cpuTime().toNanos() / 1e9)
                .baseUnit("seconds").description("CPU time used by a process")
                .tag("pid", Integer.toString(pid)).tag("name", p.name())
                .register(registry);
        cpuMeters.put(pid, m);
    }

    private void processReaped(KoshProcess p) {
        Meter m = cpuMeters.remove(p.pid());
        if (m != null) registry.remove(m);
    }

    public void bindJournal(Journal journal) {
        Gauge.builder("kosh.journal.size", journal, Journal::sizeBytes).baseUnit("bytes")
                .description("Nominal size of the journal's files").register(registry);
        FunctionCounter.builder("kosh.journal.entries", journal, Journal::entriesAppended)
                .description("Journal entries appended this boot").register(registry);
    }

    /** Counts a deploy event ({@code install, update, uninstall}) and its result ({@code ok, refused}). */
    public void deployEvent(String action, String result) {
        registry.counter("kosh.deploy.events", "action", action, "result", result).increment();
    }
}
