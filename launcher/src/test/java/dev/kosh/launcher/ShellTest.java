package dev.kosh.launcher;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
    static Shell shell;
    static ByteArrayOutputStream output = new ByteArrayOutputStream();

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
        shell = new Shell(k.kernel, new PrintStream(output, true, StandardCharsets.UTF_8));
    }

    @AfterAll
    static void halt() {
        k.close();
    }

    private static String run(String line, boolean expectSuccess) {
        output.reset();
        boolean ok = shell.execute(line);
        String out = output.toString(StandardCharsets.UTF_8);
        if (ok != expectSuccess) throw new AssertionError("'" + line + "' " + (ok ? "succeeded" : "failed") + ":\n" + out + "\nconsole:\n" + k.console());
        assertFalse(out.contains("\tat "), "no stack trace: " + out);
        return out;
    }

    @Test
    void helpListsEveryCommandWithADescription() {
        String out = run("help", true);
        for (String c : List.of("ps", "kill", "run", "lsdrv", "insdrv", "rmdrv", "dmesg", "uptime", "shutdown", "services", "meminfo", "caps", "ipcstat")) {
            assertTrue(out.matches("(?s).*\\n?  " + c + "\\b.*"), c + " in help:\n" + out);
        }
    }

    @Test
    void unknownCommandsAndBadArgumentsGiveOneLineErrors() {
        assertTrue(run("frobnicate", false).strip().equals("kosh: unknown command 'frobnicate' (type 'help' for the list)"));
        assertTrue(run("kill", false).strip().equals("kill: usage: kill [-SIGNAL] PID..."));
        assertTrue(run("kill -FOO 3", false).contains("kill: unknown signal 'FOO'"));
        assertTrue(run("kill abc", false).strip().equals("kill: 'abc' is not a process id"));
        assertTrue(run("kill -9 1", false).contains("init (pid 1) cannot be signalled to exit"));
        assertTrue(run("dmesg -b x", false).contains("dmesg: -b needs a number, not 'x'"));
        assertTrue(run("dmesg --all", false).contains("dmesg: usage: dmesg [-b N] [-n LINES]"));
        assertTrue(run("ps extra", false).contains("ps: takes no arguments"));
        assertTrue(run("run", false).contains("run: usage: run [-b] PROGRAM|JAR [ARGS]"));
        assertTrue(run("run dev.kosh.nothing", false).contains("run: no bundle named dev.kosh.nothing is installed"));
        assertTrue(run("run org.apache.felix.scr", false).contains("is a library bundle (no Kosh-Main header)"));
        assertTrue(run("run /nonexistent/x.jar", false).contains("/nonexistent/x.jar is not a file"));
        assertTrue(run("insdrv " + KernelFixture.SYSTEM.resolve("hello.jar"), false).contains("is not a driver bundle"));
        assertTrue(run("rmdrv nosuch", false).contains("rmdrv: no driver nosuch"));
        assertTrue(run("drvcall null frobnicate", false).contains("NOT_SUPPORTED: null has no operation 'frobnicate'"));
        assertTrue(run("run dev.kosh.driver.null", false).contains("is started by the driver manager"));
    }

    @Test
    void psShowsTheProcessTable() {
        String out = run("ps", true);
        assertTrue(out.startsWith("  PID  PPID NAME"), out);
        assertTrue(out.matches("(?s).*\\n +1 +0 init +kernel .*"), out);
        assertTrue(out.matches("(?s).*\\n +\\d+ +1 beat +user +Blocked\\(sleep\\) +normal .* dev.kosh.heartbeat .*"), out);
        assertTrue(out.matches("(?s).*\\n +\\d+ +1 drv:null +driver .*"), out);
    }

    @Test
    void runWaitsForTheProgramAndFailsWithItsExitCode() {
        assertTrue(run("run dev.kosh.hello --exit 0", true).isEmpty());
        assertTrue(k.console().contains("hello from pid"), k.console());
        assertTrue(run("run dev.kosh.hello --exit 7", false).matches("run: pid \\d+ \\(dev.kosh.hello\\) exited with 7\\s*"));
        assertTrue(run("run -b dev.kosh.hello --sleep 50", true).matches("started pid \\d+ \\(dev.kosh.hello\\)\\s*"));
    }

    @Test
    void runInstallsAJarGivenByPath(@TempDir Path dir) throws Exception {
        Path jar = KernelFixture.relabel("hello.jar", dir.resolve("mine.jar"), Map.of("Bundle-SymbolicName", "dev.kosh.test.mine"));
        run("run " + jar + " from a path", true);
        assertTrue(k.console().contains(": from a path"), k.console());
    }

    @Test
    void stopHoldsAProcessAtItsNextKernelCallAndContinueReleasesIt() throws Exception {
        String started = run("run -b dev.kosh.hello --sleep 300 done", true);
        int pid = Integer.parseInt(started.replaceAll("(?s)started pid (\\d+).*", "$1"));
        KoshProcess p = k.kernel.processes().get(pid).orElseThrow();
        run("kill -STOP " + pid, true);
        assertTrue(run("ps", true).matches("(?s).*\\n +" + pid + " .*Blocked\\(stopped\\).*"));
        Thread.sleep(500);
        assertFalse(p.finished(), "a stopped process does not finish");
        run("kill -CONT " + pid, true);
        assertTrue(k.kernel.processes().awaitExit(p, Duration.ofSeconds(10)).orThrow().success());
    }

    @Test
    void killEndsAProcessAndItsExitIsJournaled() throws Exception {
        String started = run("run -b dev.kosh.hello --sleep 60000", true);
        int pid = Integer.parseInt(started.replaceAll("(?s)started pid (\\d+).*", "$1"));
        KoshProcess p = k.kernel.processes().get(pid).orElseThrow();
        run("kill " + pid, true);
        k.kernel.processes().awaitExit(p, Duration.ofSeconds(10)).orThrow();
        String journal = run("dmesg -n 400", true);
        assertTrue(journal.contains("pid " + pid + " dev.kosh.hello: signal TERM from shell"), journal);
        assertTrue(journal.matches("(?s).*pid " + pid + " dev.kosh.hello: exited: .*"), journal);
    }

    @Test
    void driversAreListedAndAnswerRequests() {
        assertTrue(run("lsdrv", true).matches("(?s).*null +dev.kosh.driver.null +\\d+ running .*char \\[read, stats, write].*"));
        assertTrue(run("drvcall null write hello", true).startsWith("ok 8 bytes:"));
        assertTrue(run("drvcall null read 16", true).startsWith("ok 16 bytes: 00 00"));
        assertTrue(run("drvcall null stats", true).contains("written=5 read=16"));
    }

    @Test
    void insdrvAndRmdrvLoadAndUnloadADriverAtRunTime(@TempDir Path dir) throws Exception {
        Path jar = KernelFixture.relabel("null-driver.jar", dir.resolve("zero.jar"),
                Map.of("Bundle-SymbolicName", "dev.kosh.test.zero", "Kosh-Driver", "zero"));
        assertTrue(run("insdrv " + jar, true).matches("driver zero running as pid \\d+\\s*"));
        assertTrue(run("drvcall zero read 4", true).startsWith("ok 4 bytes"));
        assertTrue(run("rmdrv zero", true).contains("driver zero stopped"));
        assertTrue(k.kernel.framework().bundle("dev.kosh.test.zero").isEmpty(), "insdrv's bundle is uninstalled");
        assertTrue(run("drvcall zero read 4", false).contains("no driver zero"));
    }

    @Test
    void aUserBundleImportingTheDriverApiIsRefusedWithTheRule(@TempDir Path dir) throws Exception {
        Path jar = KernelFixture.relabel("null-driver.jar", dir.resolve("sneaky.jar"),
                Map.of("Bundle-SymbolicName", "dev.kosh.test.sneaky", "Kosh-Driver", "sneaky"));
        String out = run("insdrv " + jar, false);
        assertTrue(out.contains("cannot resolve: user-space bundle dev.kosh.test.sneaky 0.1.0"), out);
        assertTrue(out.contains("asks for driver space, but driver.bundles in test.conf does not allow it, so it may not import dev.kosh.driver.api"), out);
        assertTrue(k.kernel.framework().bundle("dev.kosh.test.sneaky").isEmpty(), "the refused bundle is not left installed");

        Path user = KernelFixture.relabel("hello.jar", dir.resolve("user.jar"),
                Map.of("Bundle-SymbolicName", "dev.kosh.test.user", "Import-Package", "dev.kosh.api, dev.kosh.driver.api"));
        String out2 = run("run " + user, false);
        assertTrue(out2.contains("user-space bundle dev.kosh.test.user 0.1.0") && out2.contains("may not import dev.kosh.driver.api: only driver-space bundles may"), out2);
        assertTrue(run("dmesg -n 400", true).contains("spaces: user-space bundle dev.kosh.test.user"), "the refusal is journaled");
    }

    @Test
    void uptimeServicesAndMeminfoReport() {
        assertTrue(run("uptime", true).matches("up \\d+:\\d\\d:\\d\\d, boot 1, \\d+ processes, ready in \\d+ ms\\s*"));
        assertTrue(run("services", true).matches("(?s)SERVICE.*\\nbeat +running +\\d+ +0 .*"));
        assertTrue(run("meminfo", true).toLowerCase().contains("free"));
    }

    @Test
    void commandsSeparatedBySemicolonsRunInOrderOutsideQuotes() {
        assertTrue(Shell.splitCommands("ps; run x \"a;b\"; uptime").equals(List.of("ps", " run x \"a;b\"", " uptime")));
    }
}
