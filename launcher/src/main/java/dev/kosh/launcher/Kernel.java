package dev.kosh.launcher;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import org.osgi.framework.Bundle;

import dev.kosh.api.SysResult;
import dev.kosh.driver.DriverInfo;
import dev.kosh.driver.DeviceRegistry;
import dev.kosh.driver.DriverDescriptor;
import dev.kosh.driver.DriverManager;
import dev.kosh.driver.RequestJournal;
import dev.kosh.driver.DriverManifest;
import dev.kosh.driver.Parsed;
import dev.kosh.driver.ScanReport;
import dev.kosh.kernel.boot.BootPhase;
import dev.kosh.kernel.boot.BootSequence;
import dev.kosh.kernel.config.DriverSpec;
import dev.kosh.kernel.config.SystemConfig;
import dev.kosh.kernel.init.Init;
import dev.kosh.kernel.journal.BootJournal;
import dev.kosh.kernel.journal.Journal;
import dev.kosh.kernel.metrics.KernelMetrics;
import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.kernel.process.ProcessLimits;
import dev.kosh.kernel.process.ProcessTable;
import dev.kosh.hal.CpuInfo;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.MemoryMap;
import dev.kosh.hal.PlatformInterface;
import dev.kosh.hal.Platforms;
import dev.kosh.ipc.IpcKernel;
import dev.kosh.ipc.IpcMetrics;
import dev.kosh.memory.MemoryMetrics;
import dev.kosh.memory.PhysicalMemory;
import dev.kosh.scheduler.AllocationWatchdog;
import dev.kosh.scheduler.KernelThreads;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * One running Kosh: assembles the kernel's subsystems in the design's boot order and takes them
 * down in reverse. Boot and shutdown run on the launcher's thread; the accessors may be called
 * from any thread once {@link #boot} returned true.
 */
final class Kernel implements AutoCloseable {
    private final SystemConfig config;
    private final Path dataDir;
    private final Path systemDir;
    private final PrintStream out;
    private final Instant jvmStart;

    /** Built alongside the boot: a Prometheus registry costs ~100 ms of class loading on a cold JVM. */
    private final CompletableFuture<PrometheusMeterRegistry> registryFuture;
    private volatile PrometheusMeterRegistry registry;
    private final KernelMetrics metrics = new KernelMetrics();
    private final CountDownLatch halted = new CountDownLatch(1);

    /** The journal; entries wait in memory until the {@code journal} phase (see {@link BootJournal}). */
    private final BootJournal journal;
    private final long opening;
    private KoshFramework framework;
    private Weaving weaving;
    private ServiceHooks serviceHooks;
    private PhysicalMemory memory;
    private volatile MemoryMetrics memoryMetrics;
    private ProcessMemory processMemory;
    private final CompletableFuture<PlatformProbe> platformProbe;
    private KernelThreads threads;
    private AllocationWatchdog watchdog;
    private ProcessTable table;
    private ConsoleAgent console;
    private IpcKernel ipc;
    private DriverManager drivers;
    /** Block devices granted to drivers by their [driver] sections; closed after the processes end. */
    private final List<dev.kosh.driver.BlockGrant> blockGrants = new java.util.concurrent.CopyOnWriteArrayList<>();

    private RequestJournal driverRequests;
    private BundlePrograms programs;
    private Init init;
    private HttpEndpoint http;
    private DeployWatcher deploy;
    private volatile boolean down;
    private long readyMillis = -1;

    Kernel(SystemConfig config, Path dataDir, Path systemDir, PrintStream out) {
        this.config = config;
        this.dataDir = dataDir;
        this.systemDir = systemDir;
        this.out = out;
        // The JVM's own start (not the OS process's: ./kosh execs java from the shell that built it).
        this.jvmStart = Instant.ofEpochMilli(java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime());
        // The slow, independent parts of the boot start at once on threads of their own.
        this.opening = System.nanoTime();
        this.journal = BootJournal.openInBackground(dataDir.resolve("journal"));
        this.registryFuture = CompletableFuture.supplyAsync(() -> new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                r -> Thread.ofPlatform().name("kosh-metrics-init").daemon(true).start(r));
        this.platformProbe = CompletableFuture.supplyAsync(Kernel::probePlatform,
                r -> Thread.ofPlatform().name("kosh-platform-probe").daemon(true).start(r));
    }

    /** Runs the boot sequence. False if an essential phase failed (the kernel is then taken down). */
    boolean boot() throws Exception {
        long sinceJvmStart = Duration.between(jvmStart, Instant.now()).toMillis();
        // Chronicle's first open is slow on a cold JVM (started in the constructor): it runs
        // alongside the first phases, and the "journal" phase waits for it before any process starts.
        metrics.bindJournal(journal);
        out.println("kosh: booting with " + config.source() + " (kernel entered " + sinceJvmStart + " ms after JVM start)");
        journal.info("boot", "booting from " + dataDir.toAbsolutePath() + " with " + config.source()
                + ", kernel entered " + sinceJvmStart + " ms after JVM start");

        List<BootPhase> phases = List.of(
                BootPhase.of("framework", true, this::startFramework),
                BootPhase.of("memory", true, this::startMemory),
                BootPhase.of("scheduler", true, this::startScheduler),
                BootPhase.of("ipc", true, this::startIpc),
                BootPhase.of("driver-manager", true, this::startDriverManager),
                BootPhase.of("journal", true, this::awaitJournal),
                BootPhase.of("drivers", true, this::startDrivers),
                BootPhase.of("init", true, this::startInit),
                BootPhase.of("services", true, this::startServices),
                BootPhase.of("metrics", false, this::attachMetrics),
                BootPhase.of("http", false, this::startHttp),
                BootPhase.of("deploy", false, this::startDeploy));
        BootSequence.Outcome outcome = new BootSequence(out, journal, metrics::bootPhase).run(phases);
        if (!outcome.ok()) {
            close();
            return false;
        }
        readyMillis = Duration.between(jvmStart, Instant.now()).toMillis();
        metrics.bootReady(readyMillis);
        journal.info("boot", "ready in " + readyMillis + " ms");
        out.println("kosh: ready in " + readyMillis + " ms");
        return true;
    }

    private String awaitJournal() throws InterruptedException {
        var open = journal.awaitOpen();
        long openMs = (System.nanoTime() - opening) / 1_000_000;
        return "boot " + open.boot() + ", " + dataDir.resolve("journal") + " (opened in " + openMs + " ms, alongside the phases above)";
    }

    private String startFramework() throws Exception {
        weaving = new Weaving(journal);
        framework = KoshFramework.start(dataDir.resolve("osgi"), new Spaces(config, journal), weaving);
        framework.requireSignatures(signaturePolicy());
        serviceHooks = ServiceHooks.register(framework.context()); // before the first bundle is installed
        List<Bundle> installed = new ArrayList<>();
        List<String> problems = framework.installSystemBundles(systemDir, installed);
        for (String p : problems) journal.warn("framework", p);
        long active = installed.stream().filter(b -> b.getState() == Bundle.ACTIVE).count();
        boolean scr = framework.bundle("org.apache.felix.scr").map(b -> b.getState() == Bundle.ACTIVE).orElse(false);
        if (!scr) throw new IllegalStateException("Felix SCR is not active" + (problems.isEmpty() ? "" : ": " + problems));
        return framework.version() + ", " + active + "/" + installed.size() + " system bundles active, SCR up";
    }

    /**
     * {@code driver.signatures} and {@code trust-store}: a relative trust store is found next to
     * the configuration file. A required policy whose store cannot be read stops the boot.
     */
    private Signatures signaturePolicy() throws java.io.IOException {
        if (!config.driverSignaturesRequired()) return Signatures.OFF;
        Path store = Path.of(config.trustStore());
        Path configFile = Path.of(config.source());
        if (!store.isAbsolute() && Files.isRegularFile(configFile)) store = configFile.toAbsolutePath().getParent().resolve(store);
        Signatures s = Signatures.required(store, null);
        journal.info("framework", "driver bundles must be signed by one of " + s.signers() + " (trust store " + store + ")");
        return s;
    }

    /** What the platform probe found: the host's memory map, or why there is none. */
    private record PlatformProbe(PlatformInterface hal, MemoryMap memoryMap, String platform, String problem) {}

    private static PlatformProbe probePlatform() {
        PhysicalMemory.prepareHost();
        return switch (Platforms.detect()) {
            case HalResult.Ok<PlatformInterface> ok -> {
                PlatformInterface p = ok.value();
                CpuInfo cpu = p.getCpuInfo();
                yield new PlatformProbe(p, p.getMemoryMap(), p.architecture() + ", " + cpu.modelName() + ", " + cpu.logicalCores() + " cores", null);
            }
            case HalResult.Err<PlatformInterface> err -> new PlatformProbe(null, null, "unknown", err.error().message());
        };
    }

    private String startMemory() throws Exception {
        PlatformProbe probe = platformProbe.get();
        if (probe.memoryMap() != null) {
            memory = PhysicalMemory.create(config.memoryBytes(), probe.memoryMap());
            journal.info("memory", "platform " + probe.platform() + "; host memory map from " + probe.memoryMap().source());
        } else {
            memory = PhysicalMemory.create(config.memoryBytes(), List.of());
            journal.warn("memory", "no platform layer for this host (" + probe.problem() + "): the arena has no reserved ranges");
        }
        journal.info("memory", "arena backing: " + memory.backing().describe());
        metrics.whenAttached(r -> memoryMetrics = MemoryMetrics.bind(memory, r));
        processMemory = ProcessMemory.create(memory, dataDir.resolve("swap"), journal, metrics);
        var s = memory.stats();
        return (config.memoryBytes() >> 20) + " MiB arena (" + memory.backing().kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                + "), " + s.freeFrames() + " free 4 KiB frames, " + s.reservedFrames() + " reserved; " + processMemory.describe();
    }

    private String startScheduler() {
        threads = new KernelThreads();
        table = new ProcessTable(threads, name -> programs.find(name), journal,
                (pid, text) -> console.write(pid, text), config.stopTimeout());
        metrics.bindProcesses(table);
        processMemory.attach(table, this::memoryQuotaFor); // before init: every process, init included, gets a space
        serviceHooks.attach(table);
        table.installSandbox();
        table.useLimits(this::limitsFor);
        table.createInit(Init.INIT_CAPABILITIES);
        watchdog = new AllocationWatchdog(table, threads, AllocationWatchdog.DEFAULT_PERIOD);
        boolean counting = watchdog.start();
        return "process table up, cpu accounting " + (threads.cpuTimeSupported() ? "on" : "unavailable")
                + ", allocation watchdog " + (counting ? "every " + watchdog.period().toMillis() + " ms" : "unavailable")
                + ", preemption points: " + dev.kosh.sandbox.Checkpoint.mode();
    }

    /**
     * A new process's quotas: its service's or driver's section of the configuration (init names
     * a service's process after the service, the driver manager a driver's {@code drv:NAME}), else
     * the {@code [kernel]} defaults (deployed and {@code run} programs, children).
     */
    private ProcessLimits limitsFor(ProcessTable.SpawnRequest request) {
        String name = request.displayName();
        if (name == null || request.parentPid() != ProcessTable.INIT_PID) return config.limits();
        if (name.startsWith("drv:")) return config.limitsForDriver(name.substring(4));
        return config.service(name).filter(s -> s.program().equals(request.program())).map(s -> s.limits()).orElse(config.limits());
    }

    /** A new process's memory quota: as {@link #limitsFor}, from its service's or driver's section, else [kernel]'s. */
    private dev.kosh.kernel.config.MemoryQuota memoryQuotaFor(KoshProcess p) {
        String name = p.name();
        if (name == null || p.parentPid() != ProcessTable.INIT_PID) return config.memoryQuotas().defaults();
        if (name.startsWith("drv:")) return config.memoryQuotas().forDriver(name.substring(4));
        return config.service(name).filter(s -> p.image() != null && s.program().equals(p.image().name()))
                .map(s -> config.memoryQuotas().forService(name)).orElse(config.memoryQuotas().defaults());
    }

    private String startIpc() {
        console = new ConsoleAgent(out);
        ipc = IpcKernel.install(table);
        IpcKernel kernelIpc = ipc;
        metrics.whenAttached(r -> IpcMetrics.bind(kernelIpc, r));
        return "endpoints, channels, notifications, shared memory; console channel (MPSC, " + console.capacity() + " slots)";
    }

    private String startDriverManager() throws Exception {
        // Driver requests are journaled before dispatch (Chronicle, one queue per driver): what a
        // restarted driver is replayed is read back from there.
        driverRequests = RequestJournal.open(dataDir.resolve("driver-requests"), config.driverRequestRetention());
        drivers = new DriverManager(table, journal, new DeviceRegistry(), driverRequests);
        drivers.grantHardware(memory, java.nio.file.Path.of("/dev/port")); // DMA from the arena; ports where the host has them
        programs = new BundlePrograms(framework, drivers);
        // Every installed driver bundle's manifest is read; the hardware the HAL sees is matched to it.
        int registered = 0;
        for (Bundle b : framework.bundles()) {
            if (b.getHeaders("").get(KoshFramework.DRIVER_HEADER) != null && registerDriver(b)) registered++;
        }
        PlatformProbe probe = platformProbe.get();
        if (probe.hal() == null) return registered + " driver bundles; no platform to scan (" + probe.problem() + ")";
        ScanReport scan = drivers.devices().scan(probe.hal());
        for (String tie : scan.ties()) journal.warn("drivers", "match tie: " + tie);
        for (String bad : scan.rejected()) journal.warn("drivers", "device not understood: " + bad);
        return registered + " driver bundles; " + scan.devices() + " devices, " + scan.bound() + " bound, " + scan.unmatched().size() + " unmatched";
    }

    /**
     * Installs (or updates) a driver bundle from a jar and starts its driver: the path behind
     * {@code insdrv} and {@code POST /api/drivers}. Refusals (not a jar, not a driver, not signed
     * when the policy says so, not resolvable) come back as errors with the reason.
     */
    SysResult<DriverInfo> installDriver(Path jar, String location) throws InterruptedException {
        BundleJars.Manifested m;
        try {
            m = BundleJars.inspect(jar);
            if (m.driverName() == null) {
                return SysResult.err(dev.kosh.api.Errno.INVALID_ARGUMENT, jar.getFileName() + " is not a driver bundle (no " + KoshFramework.DRIVER_HEADER + " header)");
            }
            registerDriver(BundleJars.installOrUpdate(framework, location, jar));
        } catch (BundleJars.Refused r) {
            return SysResult.err(dev.kosh.api.Errno.INVALID_ARGUMENT, jar.getFileName() + ": " + r.getMessage());
        }
        return drivers.start(m.driverName(), m.symbolicName(), config.deployCapabilities(), false, Duration.ofSeconds(5));
    }

    /** Reads a driver bundle's manifest into the device registry; a bad manifest is journaled, not fatal. */
    boolean registerDriver(Bundle b) {
        java.util.Map<String, String> headers = new java.util.HashMap<>();
        var dict = b.getHeaders("");
        for (var keys = dict.keys(); keys.hasMoreElements(); ) {
            String k = keys.nextElement();
            headers.put(k, dict.get(k));
        }
        return switch (DriverManifest.parse(b.getSymbolicName(), headers)) {
            case Parsed.Ok<DriverDescriptor> ok -> {
                List<String> bound = drivers.devices().register(ok.value());
                if (!bound.isEmpty()) journal.info("drivers", ok.value().name() + " matches " + bound);
                yield true;
            }
            case Parsed.Invalid<DriverDescriptor> bad -> {
                journal.warn("drivers", b.getSymbolicName() + ": " + bad.header() + ": '" + bad.entry() + "': " + bad.reason());
                yield false;
            }
        };
    }

    private String startDrivers() throws Exception {
        List<String> started = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (DriverSpec spec : config.drivers()) {
            spec.block().ifPresent(b -> grantBlock(spec.name(), b));
            var supervision = new dev.kosh.driver.Supervision(spec.restart().maxRestarts(), spec.restart().window(),
                    spec.requestDeadline().orElse(dev.kosh.driver.Supervision.DEFAULT_DEADLINE));
            SysResult<DriverInfo> r = drivers.start(spec.name(), spec.bundle(), spec.capabilities(), spec.essential(), supervision, Duration.ofSeconds(5));
            switch (r) {
                case SysResult.Ok<DriverInfo> ok -> started.add(spec.name() + " (pid " + ok.value().pid() + ")");
                case SysResult.Err<DriverInfo> err -> {
                    if (spec.essential()) throw new IllegalStateException("essential driver " + spec.name() + ": " + err.message());
                    failed.add(spec.name() + ": " + err.message());
                }
            }
        }
        return (started.isEmpty() ? "none" : String.join(", ", started)) + (failed.isEmpty() ? "" : "; failed " + failed);
    }

    /**
     * Grants driver {@code name} the block device of its section: the kernel opens the backing (a
     * relative path is found next to the configuration file) when the driver asks, never the driver.
     * The grant stays in place for a driver deployed later under the same name.
     */
    private void grantBlock(String name, dev.kosh.kernel.config.BlockBackingSpec b) {
        Path file = Path.of(b.file());
        Path configFile = Path.of(config.source());
        if (!file.isAbsolute() && Files.isRegularFile(configFile)) file = configFile.toAbsolutePath().getParent().resolve(file);
        var direct = switch (b.direct()) {
            case AUTO -> dev.kosh.hal.linux.IoUringBlockDevice.DirectIo.PREFERRED;
            case ON -> dev.kosh.hal.linux.IoUringBlockDevice.DirectIo.REQUIRED;
            case OFF -> dev.kosh.hal.linux.IoUringBlockDevice.DirectIo.OFF;
        };
        var grant = new dev.kosh.driver.BlockGrant(name, List.of(new dev.kosh.driver.BlockGrant.Backing(file, b.sizeBytes(), direct, b.queueDepth())));
        blockGrants.add(grant);
        drivers.grantBlocks(name, grant);
        journal.info("drivers", name + " is granted block device " + file + " (" + (b.sizeBytes() == 0 ? "its present size" : b.sizeBytes() + " bytes")
                + ", direct " + b.direct().name().toLowerCase(java.util.Locale.ROOT) + ", queue depth " + b.queueDepth() + ")");
    }

    private String startInit() {
        init = new Init(table, config, out, drivers::available);
        KoshProcess pid1 = table.get(ProcessTable.INIT_PID).orElseThrow();
        init.start(pid1);
        return "pid 1";
    }

    private String startServices() {
        Init.StartSummary s = init.startServices();
        if (!s.essentialFailures().isEmpty()) {
            throw new IllegalStateException("essential service(s) failed: " + s.essentialFailures());
        }
        return s.started() + " started" + (s.failed() > 0 ? ", " + s.failed() + " failed" : "");
    }

    private String attachMetrics() throws Exception {
        registry = registryFuture.get();
        metrics.attach(registry);
        return "Prometheus registry, " + registry.getMeters().size() + " meters";
    }

    private String startHttp() throws Exception {
        if (registry == null) throw new IllegalStateException("no metrics registry (the metrics phase failed)");
        if (config.httpPort() == 0) return "off";
        http = HttpEndpoint.start(this, config.httpBind(), config.httpPort());
        return "http://" + config.httpBind() + ":" + http.port() + "/";
    }

    private String startDeploy() throws Exception {
        deploy = DeployWatcher.start(this, dataDir.resolve("deploy"));
        return deploy.directory().toString();
    }

    // ---- accessors for the shell, the deploy watcher and the HTTP endpoint -------------------

    SystemConfig config() {
        return config;
    }

    Journal journal() {
        return journal;
    }

    ProcessTable processes() {
        return table;
    }

    AllocationWatchdog watchdog() {
        return watchdog;
    }

    IpcKernel ipc() {
        return ipc;
    }

    DriverManager drivers() {
        return drivers;
    }

    Init init() {
        return init;
    }

    KoshFramework framework() {
        return framework;
    }

    KernelMetrics metrics() {
        return metrics;
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }

    PhysicalMemory memory() {
        return memory;
    }

    ProcessMemory processMemory() {
        return processMemory;
    }

    Instant jvmStart() {
        return jvmStart;
    }

    long readyMillis() {
        return readyMillis;
    }

    DeployWatcher deployWatcher() {
        return deploy;
    }

    HttpEndpoint http() {
        return http;
    }

    /** Writes a kernel message to the console, in order with process output. */
    void announce(String line) {
        if (console != null) {
            console.write(0, line + System.lineSeparator());
        } else {
            out.println(line);
        }
    }

    void flushConsole() {
        if (console != null) console.flush(Duration.ofSeconds(2));
    }

    boolean isDown() {
        return down;
    }

    /** Blocks until the kernel has been shut down. */
    void awaitHalt() throws InterruptedException {
        halted.await();
    }

    /**
     * Shuts down in reverse boot order. Idempotent; callable from any thread (the shell, the
     * launcher, the JVM's shutdown hook). Each step runs even if an earlier one failed: a halt
     * must always get to the end and say so.
     */
    @Override
    public synchronized void close() {
        if (down) return;
        down = true;
        try {
            step("journal", () -> journal.info("kernel", "shutdown"));
            step("deploy", () -> { if (deploy != null) deploy.close(); });
            step("http", () -> { if (http != null) http.close(); });
            step("init", () -> {
                if (drivers != null) drivers.shutdown(); // drivers ending from now on are not restarted
                if (init != null) {
                    init.shutdown();
                    init.close();
                }
            });
            step("processes", () -> {
                if (watchdog != null) watchdog.close();
                if (table != null) {
                    table.terminateAll(config.stopTimeout());
                    table.close();
                }
                if (driverRequests != null) driverRequests.close();
            });
            step("block devices", () -> blockGrants.forEach(dev.kosh.driver.BlockGrant::close));
            step("console", () -> { if (console != null) console.close(); });
            step("framework", () -> { if (framework != null) framework.close(); });
            step("virtual memory", () -> { // every space left (init's, unreaped ones), then the swap file
                if (processMemory == null) return;
                try {
                    processMemory.close();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            step("memory", () -> {
                if (memoryMetrics != null) memoryMetrics.close();
                if (memory != null) memory.close();
            });
            step("journal", () -> {
                journal.info("kernel", "halted");
                journal.close();
            });
        } finally {
            out.println("kosh: halted");
            out.flush();
            halted.countDown();
        }
    }

    private void step(String what, Runnable body) {
        try {
            body.run();
        } catch (RuntimeException | LinkageError e) {
            out.println("kosh: shutdown step '" + what + "' failed: " + e);
        }
    }
}
