package dev.kosh.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.kosh.api.ExitStatus;
import dev.kosh.api.Signal;
import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.kernel.process.ProcessInfo;
import dev.kosh.testbombs.AllocationBomb;
import dev.kosh.testbombs.Bystander;
import dev.kosh.testbombs.StackOverflowLoop;
import dev.kosh.testbombs.ThreadBomb;

/**
 * Quotas in a booted kernel: an allocation bomb, a thread bomb and a stack-overflow loop each end
 * (or are ended) while the kernel, the shell and a well-behaved neighbour carry on. Prints the
 * measured latencies and the allocation watchdog's cost.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QuotaTest {
    @TempDir
    static Path data;
    @TempDir
    static Path jars;
    static KernelFixture k;
    static KoshProcess bystander;

    @BeforeAll
    static void boot() throws Exception {
        k = new KernelFixture(data, """
                [kernel]
                deploy.capabilities = console, log
                threads = 16
                heap.soft = 32M
                heap.hard = 96M
                heap.window = 1s
                """);
        bystander = start(Bystander.class);
    }

    @AfterAll
    static void halt() {
        if (k != null) k.close();
    }

    /** Packs one test class into a program bundle of its own and starts it with {@code run -b}. */
    static KoshProcess start(Class<?> program) throws Exception {
        return start(program, program.getSimpleName().toLowerCase(java.util.Locale.ROOT));
    }

    static KoshProcess start(Class<?> program, String name) throws Exception {
        Path jar = jars.resolve(name + ".jar");
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", "dev.kosh.testbombs." + name);
        a.putValue("Import-Package", "dev.kosh.api");
        a.putValue("Kosh-Main", program.getName());
        a.putValue("Kosh-Capabilities", "log");
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(os, m)) {
            addClass(out, program); // each bomb is one class (its lambdas are spun at run time)
        }
        int pid = KernelFixture.startedPid(k.shell("run -b " + jar, true));
        return k.kernel.processes().get(pid).orElseThrow();
    }

    private static void addClass(JarOutputStream out, Class<?> c) throws IOException {
        String path = c.getName().replace('.', '/') + ".class";
        out.putNextEntry(new JarEntry(path));
        try (InputStream in = c.getClassLoader().getResourceAsStream(path)) {
            in.transferTo(out);
        }
        out.closeEntry();
    }

    /** The kernel still runs programs, answers the shell, and the neighbour is alive. */
    static void kernelAndNeighbourCarryOn() {
        assertFalse(bystander.finished(), "the neighbour is still running: " + bystander.info());
        k.shell("run dev.kosh.hello still here", true);
        String ps = k.shell("ps", true);
        assertTrue(ps.contains("bystander"), ps);
    }

    static String journal() {
        return k.shell("dmesg -n 400", true);
    }

    @Test
    void anAllocationBombIsSignalledThenKilledWithTheReasonInTheJournal() throws Exception {
        long t0 = System.nanoTime();
        KoshProcess bomb = start(AllocationBomb.class);
        ExitStatus status = k.kernel.processes().awaitExit(bomb, Duration.ofSeconds(30)).orThrow();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("allocation bomb: killed %d ms after spawn (%s); watchdog pass mean %d µs, max %d µs over %d passes%n",
                ms, status.reason(), k.kernel.watchdog().meanSampleNanos() / 1000, k.kernel.watchdog().maxSampleNanos() / 1000,
                k.kernel.watchdog().samples());
        assertEquals(137, status.code(), status.reason());
        assertTrue(status.reason().contains("heap.hard"), status.reason());
        String log = journal();
        assertTrue(log.contains("quota: allocated") && log.contains("past heap.soft") && log.contains("signalled QUOTA"), log);
        assertTrue(log.contains("past heap.hard 96.0 MiB; killed"), log);
        assertTrue(bomb.abandonedThreads().isEmpty(), "the bomb's thread unwound: " + bomb.abandonedThreads());
        kernelAndNeighbourCarryOn();
    }

    @Test
    void aThreadBombIsRefusedAtItsQuotaThenKilled() throws Exception {
        long t0 = System.nanoTime();
        KoshProcess bomb = start(ThreadBomb.class);
        ExitStatus status = k.kernel.processes().awaitExit(bomb, Duration.ofSeconds(30)).orThrow();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("thread bomb: killed %d ms after spawn (%s)%n", ms, status.reason());
        assertEquals(137, status.code(), status.reason());
        assertTrue(status.reason().contains("thread quota 16 exceeded"), status.reason());
        String log = journal();
        assertTrue(log.contains("quota: thread quota 16 reached: request refused; signalled QUOTA"), log);
        assertTrue(bomb.abandonedThreads().isEmpty(), "every bomb thread unwound: " + bomb.abandonedThreads());
        kernelAndNeighbourCarryOn();
    }

    @Test
    void aStackOverflowLoopStaysInItsProcessAndIsKilledWithinMilliseconds() throws Exception {
        KoshProcess loop = start(StackOverflowLoop.class);
        Thread.sleep(300); // let it overflow a few times
        assertFalse(loop.finished(), "a caught StackOverflowError does not end the process");
        kernelAndNeighbourCarryOn();
        long t0 = System.nanoTime();
        k.kernel.processes().signal(loop.pid(), Signal.KILL, "test");
        ExitStatus status = k.kernel.processes().awaitExit(loop, Duration.ofSeconds(5)).orThrow();
        long micros = (System.nanoTime() - t0) / 1000;
        System.out.printf("stack-overflow loop: KILL took %d µs%n", micros);
        assertEquals(137, status.code(), status.reason());
        assertTrue(loop.abandonedThreads().isEmpty(), "it unwound: " + loop.abandonedThreads());
        assertTrue(micros < 100_000, "killed in " + micros + " µs (target 10 ms; room for a loaded host)");
        kernelAndNeighbourCarryOn();
    }

    @Test
    void theWatchdogCostsLittleOnAQuietKernel() throws Exception {
        var w = k.kernel.watchdog();
        long n0 = w.samples(), t0 = w.totalSampleNanos();
        Thread.sleep(1000);
        long passes = w.samples() - n0;
        long meanNanos = (w.totalSampleNanos() - t0) / Math.max(1, passes);
        double share = (w.totalSampleNanos() - t0) / 1e9 * 100;
        System.out.printf("allocation watchdog: %d passes in 1 s, mean %.1f µs a pass, %.3f %% of one core (%d live processes)%n",
                passes, meanNanos / 1000.0, share, k.kernel.processes().live().size());
        assertTrue(passes >= 10, "the watchdog runs every " + w.period().toMillis() + " ms: " + passes);
        assertTrue(share < 5, "the watchdog took " + share + " % of a core");
    }

    @Test
    void psShowsEachProcessSpace() {
        String ps = k.shell("ps", true);
        assertTrue(ps.lines().findFirst().orElseThrow().contains("SPACE"), ps);
        assertTrue(ps.lines().anyMatch(l -> l.contains(" init ") && l.contains("kernel")), ps);
        assertTrue(ps.lines().anyMatch(l -> l.contains("bystander") && l.contains(" user ")), ps);
        ProcessInfo info = bystander.info();
        assertEquals("user", info.space());
    }

    @Test
    void aWellBehavedProcessEndsNormallyUnderTheSameQuotas() throws Exception {
        KoshProcess p = start(Bystander.class, "neighbour");
        k.kernel.processes().signal(p.pid(), Signal.TERM, "test");
        ExitStatus status = k.kernel.processes().awaitExit(p, Duration.ofSeconds(5)).orThrow();
        assertEquals(0, status.code(), status.reason());
    }
}
