package dev.kosh.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The README's boot command, driven through --exec and the command line as a script would. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BootIT {
    @TempDir
    Path data;

    @Test
    void execPsShowsInitTheDriverAndTheConfiguredServices() throws Exception {
        KoshInstance.Result r = KoshInstance.run(data, "--exec", "ps; services; lsdrv");
        assertEquals(0, r.exitCode(), r.output());
        String out = r.output();
        for (String phase : new String[] {"framework", "memory", "scheduler", "ipc", "driver-manager", "drivers", "init", "services"}) {
            assertTrue(out.matches("(?s).*\\[  OK  ] " + phase + " +[0-9.]+ ms.*"), "phase " + phase + " reported OK:\n" + out);
        }
        assertTrue(out.matches("(?s).*kosh: ready in \\d+ ms.*"), out);
        assertTrue(out.matches("(?s).*\\n +1 +0 init +kernel +Blocked\\(wait\\).*"), "init is pid 1:\n" + out);
        assertTrue(out.matches("(?s).*\\n +\\d+ +1 heartbeat +user +Blocked\\(sleep\\) +background.*"), "heartbeat service runs under init:\n" + out);
        assertTrue(out.contains("drv:null"), out);
        assertTrue(out.matches("(?s).*greeter +exited .*exited with 0.*"), "the one-shot service ran and exited 0:\n" + out);
        assertTrue(out.matches("(?s).*null +dev.kosh.driver.null +\\d+ running.*"), out);
        assertTrue(out.contains("hello from pid"), "the greeter's console output is shown:\n" + out);
        assertTrue(out.strip().endsWith("kosh: halted"), "shuts down cleanly:\n" + out);
    }

    @Test
    void theThroughputProfileBootsOnC2WithFoldedPreemptionPointsTheDefaultOnVolatileReads() throws Exception {
        KoshInstance.Result fast = KoshInstance.run(data.resolve("boot"), "--exec", "uptime");
        assertEquals(0, fast.exitCode(), fast.output());
        assertTrue(fast.output().matches("(?s).*\\[  OK  ] scheduler .*preemption points: volatile reads.*"), fast.output());
        KoshInstance.Result c2 = KoshInstance.runWith(java.util.List.of("jvm.options", "jvm-throughput.options"), data.resolve("c2"), "--exec", "uptime");
        assertEquals(0, c2.exitCode(), c2.output());
        assertTrue(c2.output().matches("(?s).*\\[  OK  ] scheduler .*preemption points: folded call sites.*"), c2.output());
    }

    @Test
    void execExitsNonZeroWhenACommandFailsAndSaysWhyInOneLine() throws Exception {
        KoshInstance.Result r = KoshInstance.run(data, "--exec", "uptime; kill 4242; nosuchcommand; run dev.kosh.hello --exit 3");
        assertEquals(1, r.exitCode(), r.output());
        assertTrue(r.output().contains("kill: no process 4242"), r.output());
        assertTrue(r.output().contains("kosh: unknown command 'nosuchcommand' (type 'help' for the list)"), r.output());
        assertTrue(r.output().matches("(?s).*run: pid \\d+ \\(dev.kosh.hello\\) exited with 3.*"), r.output());
        assertTrue(!r.output().contains("\tat "), "no stack trace reaches the user:\n" + r.output());
    }

    @Test
    void runStartsAChildThatSpawnsAndReapsItsOwnChild() throws Exception {
        KoshInstance.Result r = KoshInstance.run(data, "--exec", "run dev.kosh.hello parent --child kid; ps");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().matches("(?s).*hello from pid (\\d+): kid.*hello: child \\1 exited with 0.*"), r.output());
    }

    @Test
    void helpListsTheOptionsAndBadOptionsAreRefused() throws Exception {
        KoshInstance.Result help = KoshInstance.run(data, "--help");
        assertEquals(0, help.exitCode());
        for (String opt : new String[] {"--config FILE", "--data DIR", "--http PORT", "--exec"}) assertTrue(help.output().contains(opt), help.output());
        KoshInstance.Result bad = KoshInstance.run(data, "--bogus");
        assertEquals(2, bad.exitCode());
        assertTrue(bad.output().contains("unknown option '--bogus'"), bad.output());
    }

    @Test
    void aConfigurationErrorNamesFileLineAndProblem() throws Exception {
        Path conf = data.resolve("broken.conf");
        Files.writeString(conf, "[kernel]\nmemory = 256M\n\n[service x]\nprogram = dev.kosh.hello\nrestart = sometimes\n");
        KoshInstance.Result r = KoshInstance.run(data, "--config", conf.toString(), "--exec", "ps");
        assertEquals(78, r.exitCode(), r.output());
        assertTrue(r.output().contains(conf + ":6: restart must be never, on-failure or always, found 'sometimes'"), r.output());
    }

    @Test
    void aFailingNonEssentialServiceDoesNotStopTheBoot() throws Exception {
        Path conf = data.resolve("system.conf");
        Files.writeString(conf, """
                [driver null]
                bundle = dev.kosh.driver.null
                [service ghost]
                program = dev.kosh.does.not.exist
                [service beat]
                program = dev.kosh.heartbeat
                args = 5
                capabilities = log
                """);
        KoshInstance.Result r = KoshInstance.run(data, "--config", conf.toString(), "--exec", "services");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("[FAILED] Failed to start ghost: no bundle named dev.kosh.does.not.exist is installed"), r.output());
        assertTrue(r.output().matches("(?s).*\\[  OK  ] Started beat \\(pid \\d+\\).*kosh: ready in.*"), r.output());
    }

    @Test
    void anEssentialDriverThatCannotStartStopsTheBootWithTheReason() throws Exception {
        Path conf = data.resolve("system.conf");
        Files.writeString(conf, "[driver disk]\nbundle = dev.kosh.no.such.driver\nessential = true\n");
        KoshInstance.Result r = KoshInstance.run(data, "--config", conf.toString(), "--exec", "ps");
        assertEquals(1, r.exitCode(), r.output());
        assertTrue(r.output().matches("(?s).*\\[FAILED] drivers .*essential driver disk: no bundle named dev.kosh.no.such.driver.*"), r.output());
        assertTrue(r.output().contains("kosh: boot stopped: essential phase 'drivers' failed"), r.output());
    }
}
