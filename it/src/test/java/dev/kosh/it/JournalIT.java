package dev.kosh.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The journal survives the launcher's death and is read back with dmesg. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class JournalIT {
    @TempDir
    Path data;

    @Test
    void afterKillDashNineTheNextBootShowsThePreviousBootUpToTheKill() throws Exception {
        try (KoshInstance first = KoshInstance.boot(data)) {
            TestBundles.relabel(TestBundles.systemBundle("hello.jar"), data.resolve("deploy/last-words.jar"),
                    java.util.Map.of("Bundle-SymbolicName", "dev.kosh.it.lastwords"));
            first.awaitLine(l -> l.contains("deploy: installed last-words.jar"), Duration.ofSeconds(20));
            first.killHard();
        }
        KoshInstance.Result second = KoshInstance.run(data, "--exec", "dmesg -b 1; dmesg");
        assertEquals(0, second.exitCode(), second.output());
        String out = second.output();
        assertTrue(out.matches("(?s).*\\[  OK  ] journal .* boot 2, .*"), out);
        String previous = out.substring(out.indexOf("-- boot 1 --"), out.indexOf("-- boot 2 --"));
        assertTrue(previous.contains("boot: ready in"), previous);
        assertTrue(previous.contains("deploy: installed last-words.jar"), "entries up to the kill are kept:\n" + previous);
        assertTrue(previous.contains("exited: exited with 0"), "process exits are journaled:\n" + previous);
        assertTrue(!previous.contains("kernel: halted"), "boot 1 never halted cleanly:\n" + previous);
        String current = out.substring(out.indexOf("-- boot 2 --"));
        assertTrue(current.contains("boot: booting from"), current);
        assertTrue(!current.contains("last-words.jar installed"), current);
    }

    @Test
    void dmesgOfABootThatNeverHappenedIsAClearError() throws Exception {
        KoshInstance.Result r = KoshInstance.run(data, "--exec", "dmesg -b 5");
        assertEquals(1, r.exitCode(), r.output());
        assertTrue(r.output().contains("dmesg: there is no boot 5 boots ago (this is boot 1)"), r.output());
    }
}
