package dev.kosh.driver.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import dev.kosh.api.Program;
import dev.kosh.api.SysResult;
import dev.kosh.driver.DeviceRegistry;
import dev.kosh.driver.DriverManager;
import dev.kosh.driver.RequestJournal;
import dev.kosh.driver.api.DriverCapabilities;
import dev.kosh.driver.api.DriverError;
import dev.kosh.driver.api.DriverRequest;
import dev.kosh.driver.api.DriverResponse;
import dev.kosh.driver.api.KoshDriver;
import dev.kosh.kernel.journal.Journal;
import dev.kosh.kernel.journal.JournalEntry;
import dev.kosh.kernel.journal.Severity;
import dev.kosh.kernel.process.CapabilitySet;
import dev.kosh.kernel.process.ProcessTable;
import dev.kosh.kernel.process.ProgramImage;
import dev.kosh.scheduler.KernelThreads;

/**
 * Requests per second through the driver manager to an echo driver process (caller → channel →
 * driver thread → reply), with the request journal ({@code chronicle}: every request written to
 * Chronicle Queue before dispatch and marked completed after) and without ({@code none}: the
 * in-flight request kept in memory only), in the same run.
 *
 * <p>Run: {@code scripts/driver-bench} (or JMH's Main on the test class path).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DriverCallBenchmark {
    @Param({"none", "chronicle"})
    public String journal;

    @Param({"64"})
    public int payload;

    private ProcessTable table;
    private DriverManager manager;
    private RequestJournal requests;
    private Path dir;
    private DriverRequest request;

    /** The kernel journal is not what is measured: lines are dropped. */
    private static final class NoJournal implements Journal {
        public int boot() {
            return 1;
        }

        public void append(Severity severity, String source, String message) {
        }

        public java.util.List<JournalEntry> read(int bootsAgo, int limit) {
            return java.util.List.of();
        }

        public long sizeBytes() {
            return 0;
        }

        public long entriesAppended() {
            return 0;
        }

        public void close() {
        }
    }

    private static final class Echo implements KoshDriver {
        public Optional<DriverError> init() {
            return Optional.empty();
        }

        public DriverResponse handleRequest(DriverRequest r) {
            return DriverResponse.ok(r.payload());
        }

        public void cleanup() {
        }

        public DriverCapabilities getCapabilities() {
            return new DriverCapabilities("char", Set.of("echo"));
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        table = new ProcessTable(new KernelThreads(), bundle -> SysResult.ok(new ProgramImage() {
            public String name() {
                return bundle;
            }

            public String origin() {
                return bundle + " 1.0";
            }

            public Set<String> declaredCapabilities() {
                return Set.of("log");
            }

            public Program instantiate() {
                return manager.hostFor("echo", new Echo()).orThrow();
            }
        }), new NoJournal(), (pid, text) -> { }, Duration.ofSeconds(1));
        table.createInit(new CapabilitySet(Set.of("log")));
        dir = Files.createTempDirectory("kosh-driver-bench");
        requests = journal.equals("chronicle") ? RequestJournal.open(dir) : null;
        manager = new DriverManager(table, new NoJournal(), new DeviceRegistry(), requests);
        manager.start("echo", "dev.kosh.driver.echo", Set.of("log"), false, Duration.ofSeconds(10)).orThrow();
        request = new DriverRequest("echo", new byte[payload], true);
    }

    @Benchmark
    public Object call() throws InterruptedException {
        return manager.call("echo", request, Duration.ofSeconds(5)).orThrow();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        manager.shutdown();
        table.terminateAll(Duration.ofSeconds(2));
        table.close();
        if (requests != null) requests.close();
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
