package dev.kosh.kernel.metrics;

import static dev.kosh.kernel.testing.TestKernel.exitOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kosh.api.Signal;
import dev.kosh.kernel.boot.PhaseResult;
import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.kernel.testing.Await;
import dev.kosh.kernel.testing.TestKernel;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

@Timeout(10)
class KernelMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final KernelMetrics metrics = new KernelMetrics(registry);
    private final TestKernel kernel = new TestKernel();
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicBoolean stop = new AtomicBoolean();

    @AfterEach
    void tearDown() {
        release.countDown();
        stop.set(true);
        kernel.close();
    }

    private double processes(String state) {
        return registry.get("kosh.processes").tag("state", state).gauge().value();
    }

    private FunctionCounter cpu(int pid) {
        return registry.find("kosh.process.cpu").tag("pid", Integer.toString(pid)).functionCounter();
    }

    @Test
    void processesAreCountedByState() throws Exception {
        metrics.bindProcesses(kernel.table);
        kernel.programs.add("sleeper", Set.of(), ctx -> {
            ctx.sleep(Duration.ofMinutes(1));
            return 0;
        });
        kernel.programs.add("spinner", Set.of(), ctx -> {
            while (!stop.get()) ctx.checkpoint();
            return 0;
        });
        CompletableFuture<Integer> zombiePid = new CompletableFuture<>();
        kernel.programs.add("zombie", Set.of(), ctx -> 0);
        kernel.programs.add("parent", Set.of("spawn"), ctx -> {
            zombiePid.complete(ctx.spawn("zombie", List.of()).orThrow());
            release.await(5, TimeUnit.SECONDS);
            return 0;
        });
        KoshProcess sleeper = kernel.spawn("sleeper");
        kernel.spawn("spinner");
        kernel.spawn("parent");
        exitOf(kernel.table.get(zombiePid.get(5, TimeUnit.SECONDS)).orElseThrow());

        assertEquals(1.0, processes("ready"), "init has no thread");
        Await.until("one running", () -> processes("running") == 1.0, () -> kernel.table.snapshot().toString());
        Await.until("sleeper and parent blocked", () -> processes("blocked") == 2.0, () -> kernel.table.snapshot().toString());
        assertEquals(1.0, processes("zombie"));

        kernel.table.signal(sleeper.pid(), Signal.KILL, "test");
        Await.until("sleeper reaped", () -> processes("blocked") == 1.0);
    }

    @Test
    void perProcessCpuMeterExistsWhileTheProcessDoesAndIsRemovedWhenReaped() {
        metrics.bindProcesses(kernel.table);
        kernel.programs.add("busy", Set.of(), ctx -> {
            while (!stop.get()) ctx.checkpoint();
            return 0;
        });
        KoshProcess p = kernel.spawn("busy");
        FunctionCounter meter = cpu(p.pid());
        assertNotNull(meter);
        assertEquals("busy", meter.getId().getTag("name"));
        Await.until("cpu time accounted", () -> meter.count() > 0.0);

        stop.set(true);
        exitOf(p);
        Await.until("reaped", () -> kernel.table.get(p.pid()).isEmpty());
        assertNull(cpu(p.pid()), "meter removed with the process");
    }

    @Test
    void bootPhasesAndJournalAreMetered() {
        metrics.bootPhase(new PhaseResult("ipc", true, true, Duration.ofMillis(3), ""));
        metrics.bootPhase(new PhaseResult("drivers", false, true, Duration.ofMillis(5), "boom"));
        metrics.bootReady(420);
        metrics.bindJournal(kernel.journal);
        metrics.deployEvent("install", "ok");
        metrics.deployEvent("install", "ok");
        assertEquals(0.003, registry.get("kosh.boot.phase").tag("phase", "ipc").tag("result", "ok").gauge().value(), 1e-9);
        assertEquals(0.005, registry.get("kosh.boot.phase").tag("phase", "drivers").tag("result", "failed").gauge().value(), 1e-9);
        assertEquals(420.0, registry.get("kosh.boot.ready").timeGauge().value(TimeUnit.MILLISECONDS), 1e-9);
        assertEquals(2.0, registry.get("kosh.deploy.events").tag("action", "install").counter().count());
        double before = registry.get("kosh.journal.entries").functionCounter().count();
        kernel.journal.info("test", "one more");
        assertEquals(before + 1, registry.get("kosh.journal.entries").functionCounter().count());
        assertTrue(registry.get("kosh.journal.size").gauge().value() > 0);
    }
}
