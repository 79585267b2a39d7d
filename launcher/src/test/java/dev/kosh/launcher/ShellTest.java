package dev.kosh.launcher;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.kosh.kernel.process.KoshProcess;

/** The shell's commands against a kernel booted in this JVM: output, and one-line errors for bad input. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShellTest {
    @TempDir
    static Path data;
    static KernelFixture k;

    @BeforeAll
    static void boot() throws Exception {
        k = new KernelFixture(data, """
                [kernel]
                deploy.capabilities = console, log, spawn
                driver.bundles = dev.kosh.driver.*, dev.kosh.test.zero
                [driver null]
                bundle = dev.kosh.driver.null
                [service beat]
                program = dev.kosh.heartbeat
                args = 60
                capabilities = log
                """);
    }

    @AfterAll
    static void halt() {
        k.close();
    }


    @Test
    void helpListsEveryCommandWithADescription() {
        String out = k.shell("help", true);
        for (String c : List.of("ps", "kill", "run", "lsdrv", "lsdev", "crashdump", "insdrv", "rmdrv", "dmesg", "uptime", "shutdown", "services", "meminfo", "pmap", "caps", "ipcstat")) {
            assertTrue(out.matches("(?s).*\\n?  " + c + "\\b.*"), c + " in help:\n" + out);
        }
    }

    @Test
    void unknownCommandsAndBadArgumentsGiveOneLineErrors() {
        assertTrue(k.shell("frobnicate", false).strip().equals("kosh: unknown command 'frobnicate' (type 'help' for the list)"));
        assertTrue(k.shell("kill", false).strip().equals("kill: usage: kill [-SIGNAL] PID[/THREAD]..."));
        assertTrue(k.shell("kill -FOO 3", false).contains("kill: unknown signal 'FOO'"));
        assertTrue(k.shell("kill abc", false).strip().equals("kill: 'abc' is not a process id"));
        assertTrue(k.shell("kill -9 1", false).contains("init (pid 1) cannot be signalled to exit"));
        assertTrue(k.shell("dmesg -b x", false).contains("dmesg: -b needs a number, not 'x'"));
        assertTrue(k.shell("dmesg --all", false).contains("dmesg: usage: dmesg [-b N] [-n LINES]"));
        assertTrue(k.shell("ps extra", false).contains("ps: takes no arguments"));
        assertTrue(k.shell("run", false).contains("run: usage: run [-b] PROGRAM|JAR [ARGS]"));
        assertTrue(k.shell("run dev.kosh.nothing", false).contains("run: no bundle named dev.kosh.nothing is installed"));
        assertTrue(k.shell("run org.apache.felix.scr", false).contains("is a library bundle (no Kosh-Main header)"));
        assertTrue(k.shell("run /nonexistent/x.jar", false).contains("/nonexistent/x.jar is not a file"));
        assertTrue(k.shell("insdrv " + KernelFixture.SYSTEM.resolve("hello.jar"), false).contains("is not a driver bundle"));
        assertTrue(k.shell("rmdrv nosuch", false).contains("rmdrv: no driver nosuch"));
        assertTrue(k.shell("drvcall null frobnicate", false).contains("NOT_SUPPORTED: null has no operation 'frobnicate'"));
        assertTrue(k.shell("run dev.kosh.driver.null", false).contains("is started by the driver manager"));
    }

    @Test
    void psShowsTheProcessTable() {
        String out = k.shell("ps", true);
        assertTrue(out.startsWith("  PID  PPID NAME"), out);
        assertTrue(out.matches("(?s).*\\n +1 +0 init +kernel .*"), out);
        assertTrue(out.matches("(?s).*\\n +\\d+ +1 beat +user +Blocked\\(sleep\\) +normal .* dev.kosh.heartbeat .*"), out);
        assertTrue(out.matches("(?s).*\\n +\\d+ +1 drv:null +driver .*"), out);
    }

    @Test
    void runWaitsForTheProgramAndFailsWithItsExitCode() {
        assertTrue(k.shell("run dev.kosh.hello --exit 0", true).isEmpty());
        assertTrue(k.console().contains("hello from pid"), k.console());
        assertTrue(k.shell("run dev.kosh.hello --exit 7", false).matches("run: pid \\d+ \\(dev.kosh.hello\\) exited with 7\\s*"));
        assertTrue(k.shell("run -b dev.kosh.hello --sleep 50", true).matches("started pid \\d+ \\(dev.kosh.hello\\)\\s*"));
    }

    @Test
    void runInstallsAJarGivenByPath(@TempDir Path dir) throws Exception {
        Path jar = KernelFixture.relabel("hello.jar", dir.resolve("mine.jar"), Map.of("Bundle-SymbolicName", "dev.kosh.test.mine"));
        k.shell("run " + jar + " from a path", true);
        assertTrue(k.console().contains(": from a path"), k.console());
    }

    @Test
    void stopHoldsAProcessAtItsNextKernelCallAndContinueReleasesIt() throws Exception {
        String started = k.shell("run -b dev.kosh.hello --sleep 300 done", true);
        int pid = Integer.parseInt(started.replaceAll("(?s)started pid (\\d+).*", "$1"));
        KoshProcess p = k.kernel.processes().get(pid).orElseThrow();
        k.shell("kill -STOP " + pid, true);
        assertTrue(k.shell("ps", true).matches("(?s).*\\n +" + pid + " .*Blocked\\(stopped\\).*"));
        Thread.sleep(500);
        assertFalse(p.finished(), "a stopped process does not finish");
        k.shell("kill -CONT " + pid, true);
        assertTrue(k.kernel.processes().awaitExit(p, Duration.ofSeconds(10)).orThrow().success());
    }

    @Test
    void killSignalsOneThreadByPidSlashThreadName() throws Exception {
        String started = k.shell("run -b dev.kosh.hello --sleep 300 done", true);
        int pid = Integer.parseInt(started.replaceAll("(?s)started pid (\\d+).*", "$1"));
        KoshProcess p = k.kernel.processes().get(pid).orElseThrow();
        assertTrue(k.shell("kill -TERM " + pid + "/main", false).contains("a thread takes KILL, STOP or CONT, not TERM"));
        assertTrue(k.shell("kill -STOP " + pid + "/nope", false).contains("pid " + pid + " has no thread 'nope'"));
        k.shell("kill -STOP " + pid + "/main", true);
        Thread.sleep(600);
        assertFalse(p.finished(), "its only thread is stopped");
        assertTrue(k.shell("ps", true).matches("(?s).*\\n +" + pid + " .*Blocked\\(stopped\\).*"));
        k.shell("kill -CONT " + pid + "/main", true);
        assertTrue(k.kernel.processes().awaitExit(p, Duration.ofSeconds(10)).orThrow().success());
        assertTrue(k.shell("dmesg -n 400", true).contains("signal STOP to thread main of pid " + pid + " from shell"));
    }

    @Test
    void killEndsAProcessAndItsExitIsJournaled() throws Exception {
        String started = k.shell("run -b dev.kosh.hello --sleep 60000", true);
        int pid = Integer.parseInt(started.replaceAll("(?s)started pid (\\d+).*", "$1"));
        KoshProcess p = k.kernel.processes().get(pid).orElseThrow();
        k.shell("kill " + pid, true);
        k.kernel.processes().awaitExit(p, Duration.ofSeconds(10)).orThrow();
        String journal = k.shell("dmesg -n 400", true);
        assertTrue(journal.contains("pid " + pid + " dev.kosh.hello: signal TERM from shell"), journal);
        assertTrue(journal.matches("(?s).*pid " + pid + " dev.kosh.hello: exited: .*"), journal);
    }

    @Test
    void driversAreListedAndAnswerRequests() {
        assertTrue(k.shell("lsdrv", true).matches("(?s).*null +dev.kosh.driver.null +\\d+ running .*char \\[read, stats, write].*"));
        assertTrue(k.shell("drvcall null write hello", true).startsWith("ok 8 bytes:"));
        assertTrue(k.shell("drvcall null read 16", true).startsWith("ok 16 bytes: 00 00"));
        assertTrue(k.shell("drvcall null stats", true).contains("written=5 read=16"));
    }

    @Test
    void insdrvAndRmdrvLoadAndUnloadADriverAtRunTime(@TempDir Path dir) throws Exception {
        Path jar = KernelFixture.relabel("null-driver.jar", dir.resolve("zero.jar"),
                Map.of("Bundle-SymbolicName", "dev.kosh.test.zero", "Kosh-Driver", "zero"));
        assertTrue(k.shell("insdrv " + jar, true).matches("driver zero running as pid \\d+\\s*"));
        assertTrue(k.shell("drvcall zero read 4", true).startsWith("ok 4 bytes"));
        assertTrue(k.shell("rmdrv zero", true).contains("driver zero stopped"));
        assertTrue(k.kernel.framework().bundle("dev.kosh.test.zero").isEmpty(), "insdrv's bundle is uninstalled");
        assertTrue(k.shell("drvcall zero read 4", false).contains("no driver zero"));
    }

    @Test
    void aKilledDriverIsRestartedJournalsItsRequestsAndLeavesACrashDump(@TempDir Path dir) throws Exception {
        Path jar = KernelFixture.relabel("null-driver.jar", dir.resolve("crashy.jar"),
                Map.of("Bundle-SymbolicName", "dev.kosh.driver.crashy", "Kosh-Driver", "crashy"));
        // Not the configured null driver: the other tests count its requests.
        assertTrue(k.shell("insdrv " + jar, true).matches("driver crashy running as pid \\d+\\s*"));
        try {
            assertTrue(k.shell("drvcall crashy write hello", true).startsWith("ok 8 bytes:"));
            int pid = k.kernel.drivers().list().stream().filter(d -> d.name().equals("crashy")).findFirst().orElseThrow().pid();
            k.shell("kill -KILL " + pid, true);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!k.shell("lsdrv", true).matches("(?s).*crashy +dev.kosh.driver.crashy +\\d+ running +\\d+ +1 +1 .*")) {
                assertTrue(System.nanoTime() < deadline, "restarted once:\n" + k.shell("lsdrv", true));
                Thread.sleep(10);
            }
            assertTrue(k.shell("drvcall crashy read 4", true).startsWith("ok 4 bytes"), "the new instance serves on the same channel");
            String dump = k.shell("crashdump crashy", true);
            assertTrue(dump.contains("(pid " + pid + ")") && dump.contains("killed by KILL"), dump);
            assertTrue(dump.contains("write(5 B)"), "the last requests are in the dump:\n" + dump);
            try (var files = Files.list(data.resolve("driver-requests").resolve("crashy"))) {
                assertTrue(files.anyMatch(f -> f.toString().endsWith(".cq4")), "its requests go to a Chronicle queue in the data directory");
            }
        } finally {
            k.shell("rmdrv crashy", true);
        }
    }

    @Test
    void aUserBundleImportingTheDriverApiIsRefusedWithTheRule(@TempDir Path dir) throws Exception {
        Path jar = KernelFixture.relabel("null-driver.jar", dir.resolve("sneaky.jar"),
                Map.of("Bundle-SymbolicName", "dev.kosh.test.sneaky", "Kosh-Driver", "sneaky"));
        String out = k.shell("insdrv " + jar, false);
        assertTrue(out.contains("cannot resolve: user-space bundle dev.kosh.test.sneaky 0.1.0"), out);
        assertTrue(out.contains("asks for driver space, but driver.bundles in test.conf does not allow it, so it may not import dev.kosh.driver.api"), out);
        assertTrue(k.kernel.framework().bundle("dev.kosh.test.sneaky").isEmpty(), "the refused bundle is not left installed");

        Path user = KernelFixture.relabel("hello.jar", dir.resolve("user.jar"),
                Map.of("Bundle-SymbolicName", "dev.kosh.test.user", "Import-Package", "dev.kosh.api, dev.kosh.driver.api"));
        String out2 = k.shell("run " + user, false);
        assertTrue(out2.contains("user-space bundle dev.kosh.test.user 0.1.0") && out2.contains("may not import dev.kosh.driver.api: only driver-space bundles may"), out2);
        assertTrue(k.shell("dmesg -n 400", true).contains("spaces: user-space bundle dev.kosh.test.user"), "the refusal is journaled");
    }

    @Test
    void lsdevListsTheDevicesTheHalFoundAndWhatDrivesThem() {
        String out = k.shell("lsdev", true);
        assertTrue(out.startsWith("(no devices") || out.lines().allMatch(l -> l.matches("(pci|platform|\\S+:).*\\s(unmatched|\\S+)\\s+.*")), out);
        assertTrue(k.shell("lsdev x", false).contains("lsdev: takes no arguments"));
    }

    @Test
    void uptimeServicesAndMeminfoReport() {
        assertTrue(k.shell("uptime", true).matches("up \\d+:\\d\\d:\\d\\d, boot 1, \\d+ processes, ready in \\d+ ms\\s*"));
        assertTrue(k.shell("services", true).matches("(?s)SERVICE.*\\nbeat +running +\\d+ +0 .*"));
        assertTrue(k.shell("meminfo", true).toLowerCase().contains("free"));
    }

    @Test
    void commandsSeparatedBySemicolonsRunInOrderOutsideQuotes() {
        assertTrue(Shell.splitCommands("ps; run x \"a;b\"; uptime").equals(List.of("ps", " run x \"a;b\"", " uptime")));
    }
}
