package dev.kosh.kernel.init;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kosh.api.Signal;
import dev.kosh.kernel.config.ConfigException;
import dev.kosh.kernel.config.ConfigParser;
import dev.kosh.kernel.journal.Severity;
import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.kernel.testing.Await;
import dev.kosh.kernel.testing.TestKernel;

@Timeout(15)
class InitTest {
    private final TestKernel kernel = new TestKernel(Duration.ofMillis(300));
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final CountDownLatch release = new CountDownLatch(1);
    private final Set<String> drivers = Set.of("disk");
    private Init init;

    @AfterEach
    void tearDown() {
        release.countDown();
        if (init != null) init.close();
        kernel.close();
    }

    private Init boot(String conf) throws ConfigException {
        init = new Init(kernel.table, ConfigParser.parse("test.conf", conf), out, drivers::contains);
        init.start(kernel.init);
        return init;
    }

    private ServiceStatus status(String name) {
        return init.services().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    private void awaitState(String name, ServiceStatus.State state) {
        Await.until(name + " " + state, () -> status(name).state() == state, () -> init.services() + "\n" + kernel.journal.dump());
    }

    private List<String> lines() {
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    /** A program that runs until asked to terminate, then exits 0. */
    private void daemon(String name) {
        kernel.programs.add(name, Set.of(), ctx -> {
            while (!ctx.terminationRequested()) ctx.sleep(Duration.ofMinutes(1));
            return 0;
        });
    }

    @Test
    void initRunsOnlyAsPidOne() {
        daemon("d");
        KoshProcess other = kernel.spawn("d");
        Init wrong = new Init(kernel.table, dev.kosh.kernel.config.SystemConfig.empty(), out, n -> false);
        assertThrows(IllegalArgumentException.class, () -> wrong.start(other));
    }

    @Test
    void servicesStartInDependencyOrder() throws Exception {
        daemon("prog");
        boot("""
                [service web]
                program = prog
                after = db, disk
                [service db]
                program = prog
                after = store
                [service store]
                program = prog
                [driver disk]
                bundle = d
                """);
        Init.StartSummary summary = init.startServices();
        assertEquals(new Init.StartSummary(3, 0, List.of()), summary);
        assertEquals(List.of("store", "db", "web"), init.services().stream().map(ServiceStatus::name).toList());
        int store = status("store").pid(), db = status("db").pid(), web = status("web").pid();
        assertTrue(store < db && db < web, "spawned in order: " + init.services());
        for (ServiceStatus s : init.services()) assertEquals(ServiceStatus.State.RUNNING, s.state());
        assertEquals(List.of("[  OK  ] Started store (pid " + store + ")", "[  OK  ] Started db (pid " + db + ")",
                "[  OK  ] Started web (pid " + web + ")"), lines());
        KoshProcess webProcess = kernel.table.get(web).orElseThrow();
        assertEquals("web", webProcess.name());
        assertEquals(1, webProcess.parentPid());
    }

    @Test
    void aFailingServiceDoesNotStopTheOthersAndItsDependentsFailWithTheReason() throws Exception {
        daemon("prog");
        boot("""
                [service broken]
                program = no.such.bundle
                [service needs-broken]
                program = prog
                after = broken
                [service fine]
                program = prog
                [service needs-missing-driver]
                program = prog
                after = net
                [driver net]
                bundle = n
                """);
        Init.StartSummary summary = init.startServices();
        assertEquals(1, summary.started());
        assertEquals(3, summary.failed());
        assertEquals(List.of(), summary.essentialFailures());
        assertEquals(ServiceStatus.State.RUNNING, status("fine").state());
        assertEquals(ServiceStatus.State.FAILED, status("broken").state());
        assertTrue(status("broken").lastExit().contains("no.such.bundle"), status("broken").lastExit());
        assertEquals("dependency broken is not running", status("needs-broken").lastExit());
        assertEquals("dependency net is not running", status("needs-missing-driver").lastExit());
        assertTrue(lines().contains("[FAILED] Failed to start needs-broken: dependency broken is not running"), lines().toString());
        assertTrue(kernel.journal.has(Severity.ERROR, "init", "service needs-broken failed to start: dependency broken is not running"));
    }

    @Test
    void anEssentialServiceThatFailsIsReported() throws Exception {
        boot("[service core]\nprogram = gone\nessential = true\n");
        assertEquals(List.of("core"), init.startServices().essentialFailures());
    }

    @Test
    void onFailureRestartsACrashingServiceUntilTheRestartIntensityIsSpent() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        kernel.programs.add("crashy", Set.of(), ctx -> {
            runs.incrementAndGet();
            return 3;
        });
        boot("[service crashy]\nprogram = crashy\nrestart = on-failure\nrestart-limit = 2 in 60s\n");
        init.startServices();
        awaitState("crashy", ServiceStatus.State.FAILED);
        assertEquals(3, runs.get(), "first run and two restarts");
        assertEquals(2, status("crashy").restarts());
        assertEquals("exited with 3", status("crashy").lastExit());
        assertTrue(kernel.journal.has(Severity.ERROR, "init", "service crashy restarted 2 times within 60 s; giving up"), kernel.journal.dump());
    }

    @Test
    void restartedServiceRunsAgainWithANewPid() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        kernel.programs.add("once-crashy", Set.of(), ctx -> {
            if (runs.incrementAndGet() == 1) throw new IllegalStateException("first run fails");
            while (!ctx.terminationRequested()) ctx.sleep(Duration.ofMinutes(1));
            return 0;
        });
        boot("[service s]\nprogram = once-crashy\n");
        init.startServices();
        int firstPid = status("s").pid();
        Await.until("restarted", () -> status("s").restarts() == 1 && status("s").state() == ServiceStatus.State.RUNNING,
                () -> init.services().toString());
        assertTrue(status("s").pid() > firstPid);
    }

    @Test
    void neverDoesNotRestart() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        kernel.programs.add("crashy", Set.of(), ctx -> {
            runs.incrementAndGet();
            return 1;
        });
        kernel.programs.add("oneshot", Set.of(), ctx -> 0);
        boot("[service crashy]\nprogram = crashy\nrestart = never\n[service oneshot]\nprogram = oneshot\nrestart = never\n");
        init.startServices();
        awaitState("crashy", ServiceStatus.State.FAILED);
        awaitState("oneshot", ServiceStatus.State.EXITED);
        assertEquals(1, runs.get());
        assertEquals(0, status("crashy").restarts());
        assertEquals(0, status("crashy").pid());
    }

    @Test
    void alwaysRestartsEvenACleanExit() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        kernel.programs.add("quick", Set.of(), ctx -> {
            runs.incrementAndGet();
            return 0;
        });
        boot("[service q]\nprogram = quick\nrestart = always\nrestart-limit = 1 in 60s\n");
        init.startServices();
        awaitState("q", ServiceStatus.State.FAILED);
        assertEquals(2, runs.get());
    }

    @Test
    void termIsNotAFailure() throws Exception {
        daemon("prog");
        boot("[service s]\nprogram = prog\nrestart = on-failure\n");
        init.startServices();
        kernel.table.signal(status("s").pid(), Signal.TERM, "test");
        awaitState("s", ServiceStatus.State.EXITED);
        assertEquals(0, status("s").restarts());
    }

    @Test
    void termOfAServiceBlockedOutsideSleepIsNotAFailureEither() throws Exception {
        kernel.programs.add("waiter", Set.of(), ctx -> {
            new CountDownLatch(1).await(); // a plain blocking wait: TERM interrupts it
            return 0;
        });
        boot("[service s]\nprogram = waiter\nrestart = on-failure\n");
        init.startServices();
        int pid = status("s").pid();
        Await.until("waiting", () -> kernel.table.get(pid).orElseThrow().state() instanceof dev.kosh.kernel.process.ProcessState.Blocked);
        kernel.table.signal(pid, Signal.TERM, "test");
        awaitState("s", ServiceStatus.State.EXITED);
        assertEquals(0, status("s").restarts());
        assertTrue(status("s").lastExit().contains("TERM"), status("s").lastExit());
    }

    @Test
    void killIsAFailureForOnFailure() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        kernel.programs.add("victim", Set.of(), ctx -> {
            runs.incrementAndGet();
            while (!ctx.terminationRequested()) ctx.sleep(Duration.ofMinutes(1));
            return 0;
        });
        boot("[service s]\nprogram = victim\n");
        init.startServices();
        kernel.table.signal(status("s").pid(), Signal.KILL, "test");
        Await.until("restarted", () -> runs.get() == 2 && status("s").state() == ServiceStatus.State.RUNNING);
        assertEquals(1, status("s").restarts());
    }

    @Test
    void shutdownStopsServicesInReverseOrder() throws Exception {
        List<String> exits = new CopyOnWriteArrayList<>();
        kernel.programs.add("prog", Set.of(), ctx -> {
            while (!ctx.terminationRequested()) ctx.sleep(Duration.ofMinutes(1));
            exits.add(ctx.name());
            return 0;
        });
        boot("[service a]\nprogram = prog\n[service b]\nprogram = prog\nafter = a\n[service c]\nprogram = prog\nafter = b\n");
        init.startServices();
        kernel.programs.add("stray", Set.of(), ctx -> {
            release.await(5, TimeUnit.SECONDS);
            return 0;
        });
        KoshProcess stray = kernel.spawn("stray");
        init.shutdown();
        assertEquals(List.of("c", "b", "a"), exits);
        assertTrue(stray.finished(), "every other process is ended too");
        assertEquals(143, stray.exitFuture().join().code(), "interrupted by TERM: ended by TERM");
        for (ServiceStatus s : init.services()) assertEquals(ServiceStatus.State.STOPPED, s.state(), s.toString());
        Await.until("only init is left", () -> kernel.table.size() == 1);
    }

    @Test
    void shutdownKillsAServiceThatIgnoresTerm() throws Exception {
        kernel.programs.add("deaf", Set.of(), ctx -> {
            while (true) ctx.sleep(Duration.ofMillis(1));
        });
        boot("[service deaf]\nprogram = deaf\n");
        init.startServices();
        KoshProcess p = kernel.table.get(status("deaf").pid()).orElseThrow();
        init.shutdown();
        assertEquals(137, p.exitFuture().get(5, TimeUnit.SECONDS).code());
        assertEquals(ServiceStatus.State.STOPPED, status("deaf").state());
    }
}
