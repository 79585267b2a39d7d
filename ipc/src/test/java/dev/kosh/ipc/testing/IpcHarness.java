package dev.kosh.ipc.testing;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import dev.kosh.api.Errno;
import dev.kosh.api.Ipc;
import dev.kosh.api.Program;
import dev.kosh.api.SysResult;
import dev.kosh.ipc.IpcKernel;
import dev.kosh.kernel.journal.Journal;
import dev.kosh.kernel.journal.JournalEntry;
import dev.kosh.kernel.journal.Severity;
import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.kernel.process.ProcessTable;
import dev.kosh.kernel.process.ProgramImage;
import dev.kosh.kernel.process.ThreadHost;

/**
 * A kernel for IPC tests: a process table with init, lambda programs, and the IPC kernel installed
 * as the launcher does it. {@link #idle} makes a process whose main waits until it is told to end;
 * tests then act as that process through {@link #ipc(KoshProcess)} (the system calls check the
 * process's table whichever thread calls them).
 */
public final class IpcHarness implements AutoCloseable {
    public final List<String> journal = new CopyOnWriteArrayList<>();
    public final ProcessTable table;
    public final IpcKernel ipc;
    private final Map<String, ProgramImage> programs = new ConcurrentHashMap<>();

    public IpcHarness() {
        this(IpcKernel.Options.DEFAULT);
    }

    public IpcHarness(IpcKernel.Options options) {
        ThreadHost threads = new ThreadHost() {
            @Override
            public Thread newThread(KoshProcess owner, String name, Runnable body) {
                return Thread.ofPlatform().name("pid-" + owner.pid() + "/" + name).daemon(true).unstarted(body);
            }

            @Override
            public long cpuTimeNanos(Thread thread) {
                return -1;
            }

            @Override
            public long currentThreadCpuTimeNanos() {
                return -1;
            }
        };
        Journal j = new Journal() {
            @Override
            public int boot() {
                return 1;
            }

            @Override
            public void append(Severity severity, String source, String message) {
                journal.add(severity + " " + source + ": " + message);
            }

            @Override
            public List<JournalEntry> read(int bootsAgo, int limit) {
                return List.of();
            }

            @Override
            public long sizeBytes() {
                return 0;
            }

            @Override
            public long entriesAppended() {
                return journal.size();
            }

            @Override
            public void close() {
            }
        };
        table = new ProcessTable(threads, name -> {
            ProgramImage image = programs.get(name);
            return image == null ? SysResult.err(Errno.NO_SUCH_PROGRAM, "no program " + name) : SysResult.ok(image);
        }, j, (pid, text) -> { }, Duration.ofSeconds(1));
        table.createInit(new dev.kosh.kernel.process.CapabilitySet(Set.of("console", "log", "spawn", "publish")));
        ipc = IpcKernel.install(table, options);
        ManagementFactory.getRuntimeMXBean(); // warm the JMX path the kernel's thread accounting may use
    }

    /** Registers a program declaring {@code declared} capabilities. */
    public void program(String name, Set<String> declared, Program program) {
        programs.put(name, new ProgramImage() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String origin() {
                return name + " (test)";
            }

            @Override
            public Set<String> declaredCapabilities() {
                return declared;
            }

            @Override
            public Program instantiate() {
                return program;
            }
        });
    }

    /** Spawns a program as a child of init with every declared capability allowed. */
    public KoshProcess spawn(String name, Set<String> declared, Program program) {
        program(name, declared, program);
        return table.spawn(ProcessTable.SpawnRequest.of(name, List.of(), ProcessTable.INIT_PID, declared)).orThrow();
    }

    /** A process that does nothing until it is signalled; tests make its system calls. */
    public KoshProcess idle(String name, String... grants) {
        return spawn(name, Set.of(grants), ctx -> {
            while (!ctx.terminationRequested()) ctx.sleep(Duration.ofMillis(50));
            return 0;
        });
    }

    /** A process and its context, so a test can make the process's non-IPC system calls too. */
    public record Running(KoshProcess process, dev.kosh.api.ProcessContext ctx) {}

    /** As {@link #idle}, also handing out the process's context. */
    public Running running(String name, String... grants) {
        java.util.concurrent.CompletableFuture<dev.kosh.api.ProcessContext> ctx = new java.util.concurrent.CompletableFuture<>();
        KoshProcess p = spawn(name, Set.of(grants), c -> {
            ctx.complete(c);
            while (!c.terminationRequested()) c.sleep(Duration.ofMillis(50));
            return 0;
        });
        try {
            return new Running(p, ctx.get(5, TimeUnit.SECONDS));
        } catch (Exception e) {
            throw new AssertionError(p.label() + " did not start", e);
        }
    }

    public Ipc ipc(KoshProcess p) {
        return ipc.open(p);
    }

    public void kill(KoshProcess p) {
        table.signal(p.pid(), dev.kosh.api.Signal.KILL, "test");
        try {
            p.exitFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(p.label() + " did not exit", e);
        }
    }

    public static Instant now() {
        return Instant.now();
    }

    @Override
    public void close() {
        table.terminateAll(Duration.ofSeconds(1));
        table.close();
    }
}
