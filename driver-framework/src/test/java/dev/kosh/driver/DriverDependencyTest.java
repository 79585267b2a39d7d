package dev.kosh.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kosh.api.Errno;
import dev.kosh.api.Program;
import dev.kosh.api.SysResult;
import dev.kosh.driver.api.DriverCapabilities;
import dev.kosh.driver.api.DriverContext;
import dev.kosh.driver.api.DriverError;
import dev.kosh.driver.api.DriverRequest;
import dev.kosh.driver.api.DriverResponse;
import dev.kosh.driver.api.KoshDriver;
import dev.kosh.kernel.journal.Journal;
import dev.kosh.kernel.process.CapabilitySet;
import dev.kosh.kernel.process.ProcessTable;
import dev.kosh.kernel.process.ProgramImage;
import dev.kosh.scheduler.KernelThreads;

/** The manager with dependencies between drivers and devices bound to them. */
@Timeout(15)
class DriverDependencyTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final List<String> journal = new CopyOnWriteArrayList<>();
    private final Map<String, String> driverOfBundle = new ConcurrentHashMap<>();
    /** Driver name → the contexts its instances were initialised with. */
    private final Map<String, List<DriverContext>> contexts = new ConcurrentHashMap<>();
    private final DeviceRegistry registry = new DeviceRegistry();
    private final ProcessTable table;
    private final DriverManager manager;

    DriverDependencyTest() {
        Journal j = new ListJournal(journal);
        table = new ProcessTable(new KernelThreads(), this::load, j, (pid, text) -> { }, Duration.ofSeconds(1));
        table.createInit(new CapabilitySet(Set.of("console", "log", "spawn", "publish")));
        manager = new DriverManager(table, j, registry);
    }

    @AfterEach
    void tearDown() {
        table.terminateAll(Duration.ofSeconds(1));
        table.close();
    }

    private SysResult<ProgramImage> load(String bundle) {
        String name = driverOfBundle.get(bundle);
        if (name == null) return SysResult.err(Errno.NO_SUCH_PROGRAM, "no bundle " + bundle);
        return SysResult.ok(new ProgramImage() {
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
                return manager.hostFor(name, new ContextDriver(name, !name.startsWith("broken"))).orThrow();
            }
        });
    }

    /** Remembers the context it was started with; a "broken" one fails its init. */
    private final class ContextDriver implements KoshDriver {
        private final String name;
        private final boolean works;

        ContextDriver(String name, boolean works) {
            this.name = name;
            this.works = works;
        }

        public Optional<DriverError> init() {
            throw new AssertionError("the manager calls init(DriverContext)");
        }

        @Override
        public Optional<DriverError> init(DriverContext context) {
            contexts.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>()).add(context);
            return works ? Optional.empty() : Optional.of(new DriverError(DriverError.Code.DEVICE_ERROR, "no device"));
        }

        public DriverResponse handleRequest(DriverRequest request) {
            return DriverResponse.ok(new byte[0]);
        }

        public void cleanup() {
        }

        public DriverCapabilities getCapabilities() {
            return new DriverCapabilities("test", Set.of());
        }
    }

    private DriverDescriptor descriptor(String name, Set<String> requires, Set<String> provides) {
        driverOfBundle.put("b." + name, name);
        return new DriverDescriptor(name, "b." + name, List.of(), requires, provides);
    }

    private DriverLaunch launch(String name, Set<String> requires, Set<String> provides) {
        return DriverLaunch.of(descriptor(name, requires, provides), Set.of("log"));
    }

    @Test
    void startAllStartsDriversAfterWhatTheyRequire() throws Exception {
        List<LaunchOutcome> out = manager.startAll(List.of(launch("app", Set.of("fs"), Set.of()), launch("ext4", Set.of("block"), Set.of("fs")),
                launch("ram", Set.of(), Set.of("block"))), TIMEOUT);
        assertEquals(List.of("ram", "ext4", "app"), out.stream().map(LaunchOutcome::driver).toList());
        out.forEach(o -> assertInstanceOf(LaunchOutcome.Started.class, o));
        assertTrue(manager.available("app"));
    }

    @Test
    void aDriverWhoseRequirementIsNotRunningIsRefusedNamingIt() throws Exception {
        var err = assertInstanceOf(SysResult.Err.class, manager.start(descriptor("ext4", Set.of("block", "clock"), Set.of()), Set.of("log"),
                false, Supervision.DEFAULT, TIMEOUT));
        assertEquals(Errno.UNAVAILABLE, err.errno());
        assertEquals("driver ext4 requires block, clock, which no running driver provides; start them first", err.message());
        assertTrue(manager.list().isEmpty());
    }

    @Test
    void stoppingADriverOthersNeedIsRefusedNamingThemUnlessForced() throws Exception {
        manager.startAll(List.of(launch("ram", Set.of(), Set.of("block")), launch("ext4", Set.of("block"), Set.of()),
                launch("fat", Set.of("ram"), Set.of())), TIMEOUT);
        assertEquals(List.of("ext4 (requires block)", "fat (requires ram)"), manager.dependents("ram"));
        var refused = assertInstanceOf(SysResult.Err.class, manager.stop("ram", TIMEOUT));
        assertEquals("driver ram is needed by ext4 (requires block), fat (requires ram); stop them first, or force", refused.message());
        assertTrue(manager.available("ram"));
        manager.stop("fat", TIMEOUT).orThrow();
        assertEquals(List.of("ext4 (requires block)"), manager.dependents("ram"));
        assertEquals(DriverState.STOPPED, manager.stop("ram", TIMEOUT, true).orThrow().state());
        assertTrue(journal.stream().anyMatch(l -> l.contains("forced to stop although ext4 (requires block) depend on it")), journal.toString());
        assertEquals(List.of(), manager.dependents("ram"));
        assertTrue(manager.available("ext4"), "a forced stop leaves the dependents running");
    }

    @Test
    void aSecondProviderMakesStoppingTheFirstSafe() throws Exception {
        manager.startAll(List.of(launch("ram", Set.of(), Set.of("block")), launch("nvme", Set.of(), Set.of("block")),
                launch("ext4", Set.of("block"), Set.of())), TIMEOUT);
        assertEquals(List.of(), manager.dependents("ram"));
        manager.stop("ram", TIMEOUT).orThrow();
        assertEquals(List.of("ext4 (requires block)"), manager.dependents("nvme"));
        assertEquals(List.of(), manager.dependents("no-such-driver"));
    }

    @Test
    void cyclesAndFailedProvidersAreReportedAndTheirDependentsNotStarted() throws Exception {
        List<LaunchOutcome> out = manager.startAll(List.of(launch("a", Set.of("b"), Set.of()), launch("b", Set.of("a"), Set.of()),
                launch("broken-disk", Set.of(), Set.of("block")), launch("ext4", Set.of("block"), Set.of()), launch("ok", Set.of(), Set.of())),
                TIMEOUT);
        Map<String, LaunchOutcome> byName = new java.util.HashMap<>();
        out.forEach(o -> byName.put(o.driver(), o));
        assertInstanceOf(LaunchOutcome.Started.class, byName.get("ok"));
        var failed = assertInstanceOf(LaunchOutcome.Failed.class, byName.get("broken-disk"));
        assertTrue(failed.message().contains("no device"), failed.message());
        assertEquals("requires block, but broken-disk did not start", assertInstanceOf(LaunchOutcome.Skipped.class, byName.get("ext4")).reason());
        assertEquals("dependency cycle: a -> b -> a", assertInstanceOf(LaunchOutcome.Skipped.class, byName.get("a")).reason());
        assertEquals("dependency cycle: b -> a -> b", assertInstanceOf(LaunchOutcome.Skipped.class, byName.get("b")).reason());
        assertTrue(journal.stream().anyMatch(l -> l.contains("not started: dependency cycle: a -> b -> a")));
        assertTrue(!manager.available("ext4") && !manager.available("a"));
    }

    @Test
    void aMatchedDriverIsInitialisedWithItsDevicesResourcesAcrossRestarts() throws Exception {
        registry.scan(List.of(Hardware.pci(3, 0x1234, 0x11e8, 0x00ff00), Hardware.pci(4, 0x8086, 0x100e, 0x020000)), List.of());
        driverOfBundle.put("b.edu", "edu");
        registry.register(new DriverDescriptor("edu", "b.edu", DriverManifest.parseMatches("pci:1234:11e8").orThrow(), Set.of(), Set.of()));
        // The launcher's existing call: the registered descriptor supplies the devices.
        manager.start("edu", "b.edu", Set.of("log"), false, TIMEOUT).orThrow();
        DriverContext ctx = contexts.get("edu").getFirst();
        assertEquals(List.of("0000:00:03.0"), ctx.devices().stream().map(r -> r.device()).toList());
        assertEquals(List.of("0000:00:03.0"), manager.devicesOf("edu"));
        assertTrue(journal.stream().anyMatch(l -> l.contains("bound to [0000:00:03.0 (pci:1234:11e8:00:ff)]")), journal.toString());
        // A new instance after a crash gets the same devices.
        table.signal(manager.list().getFirst().pid(), dev.kosh.api.Signal.KILL, "test");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (contexts.get("edu").size() < 2 && System.nanoTime() < deadline) Thread.sleep(5);
        assertEquals(ctx, contexts.get("edu").get(1));
        assertEquals(List.of(), manager.devicesOf("nothing"));
        assertEquals(registry, manager.devices());
    }

    @Test
    void aDriverOfNoHardwareGetsAnEmptyContext() throws Exception {
        driverOfBundle.put("b.null", "null");
        manager.start("null", "b.null", Set.of("log"), false, TIMEOUT).orThrow();
        assertEquals(DriverContext.noDevices("null"), contexts.get("null").getFirst());
    }

    @Test
    void startRefusesMissingArguments() throws Exception {
        assertEquals(Errno.INVALID_ARGUMENT, assertInstanceOf(SysResult.Err.class,
                manager.start((DriverDescriptor) null, Set.of(), false, Supervision.DEFAULT, TIMEOUT)).errno());
        assertEquals(Errno.INVALID_ARGUMENT, assertInstanceOf(SysResult.Err.class,
                manager.start(" ", "b", Set.of(), false, Supervision.DEFAULT, TIMEOUT)).errno());
    }
}
