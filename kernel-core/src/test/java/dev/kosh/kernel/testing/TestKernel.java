package dev.kosh.kernel.testing;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.kosh.api.ExitStatus;
import dev.kosh.kernel.process.CapabilitySet;
import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.kernel.process.ProcessTable;

/**
 * A process table with pid 1, an in-memory journal, test threads and lambda programs: the kernel's
 * process model without a framework.
 */
public final class TestKernel implements AutoCloseable {
    public static final Set<String> ALL_CAPABILITIES = Set.of("console", "log", "spawn", "publish");

    public final MemoryJournal journal = new MemoryJournal();
    public final TestThreads threads = new TestThreads();
    public final Programs programs = new Programs();
    /** Console output as {@code pid:text}. */
    public final List<String> console = new CopyOnWriteArrayList<>();
    public final ProcessTable table;
    public final KoshProcess init;

    public TestKernel() {
        this(Duration.ofSeconds(2));
    }

    public TestKernel(Duration termTimeout) {
        table = new ProcessTable(threads, programs, journal, (pid, text) -> console.add(pid + ":" + text), termTimeout);
        init = table.createInit(new CapabilitySet(ALL_CAPABILITIES));
    }

    /** Spawns {@code program} as a child of init, allowed every capability it declares. */
    public KoshProcess spawn(String program, String... args) {
        return spawn(program, ALL_CAPABILITIES, args);
    }

    public KoshProcess spawn(String program, Set<String> allowed, String... args) {
        return table.spawn(ProcessTable.SpawnRequest.of(program, List.of(args), ProcessTable.INIT_PID, allowed)).orThrow();
    }

    public static ExitStatus exitOf(KoshProcess p) {
        try {
            return p.exitFuture().get(Await.DEFAULT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError(p.label() + " did not exit: " + e + " state " + p.state(), e);
        }
    }

    @Override
    public void close() {
        table.terminateAll(Duration.ofSeconds(1));
        table.close();
    }
}
