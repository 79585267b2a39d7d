package dev.kosh.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP endpoint: Prometheus metrics, the process table, the dashboard. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class HttpIT {
    /** A sample line of the Prometheus text format: name, optional labels, a float value. */
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*})? (-?[0-9.eE+-]+|NaN|[+-]Inf)( -?\\d+)?");

    @TempDir
    Path data;

    @Test
    void metricsAreValidPrometheusTextWithTheKernelsMeters() throws Exception {
        try (KoshInstance kosh = KoshInstance.boot(data)) {
            String text = kosh.get("/metrics");
            Set<String> names = new HashSet<>();
            int lineNo = 0;
            for (String line : text.split("\n")) {
                lineNo++;
                if (line.isEmpty()) continue;
                if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
                Matcher m = SAMPLE.matcher(line);
                assertTrue(m.matches(), "line " + lineNo + " is not Prometheus text: " + line);
                names.add(m.group(1));
            }
            for (String required : new String[] {"kosh_boot_phase_seconds", "kosh_boot_ready_seconds", "kosh_processes",
                    "kosh_process_cpu_seconds_total", "kosh_journal_size_bytes", "kosh_journal_entries_total"}) {
                assertTrue(names.contains(required), required + " missing from " + names);
            }
            assertTrue(text.contains("kosh_processes{state=\"blocked\"}"), text);
            assertTrue(text.matches("(?s).*kosh_process_cpu_seconds_total\\{name=\"init\",pid=\"1\"} .*"), text);
        }
    }

    @Test
    void apiProcessesAndTheDashboardAnswer() throws Exception {
        try (KoshInstance kosh = KoshInstance.boot(data)) {
            String json = kosh.get("/api/processes");
            assertTrue(json.startsWith("[{\"pid\":1,\"ppid\":0,\"name\":\"init\""), json);
            assertTrue(json.contains("\"name\":\"heartbeat\""), json);
            String page = kosh.get("/");
            assertTrue(page.contains("<title>Kosh</title>") && page.contains("/api/processes"), page);
            assertTrue(kosh.get("/api/system").contains("\"boot\":1"));
            assertEquals(128 + 15, kosh.terminate(), "SIGTERM halts the kernel through its shutdown hook (the JVM exits 143)");
            assertTrue(kosh.output().contains("kosh: halted"), kosh.output());
        }
    }

    @Test
    void aDriverPostedToTheApiIsInstalledAndServingAndBadJarsAreRefused() throws Exception {
        try (KoshInstance kosh = KoshInstance.boot(data)) {
            java.nio.file.Path jar = TestBundles.relabel(TestBundles.systemBundle("null-driver.jar"), data.resolve("zero.jar"),
                    java.util.Map.of("Bundle-SymbolicName", "dev.kosh.driver.zero", "Kosh-Driver", "zero"));
            byte[] bytes = java.nio.file.Files.readAllBytes(jar);
            long best = Long.MAX_VALUE;
            try (java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient()) {
                var uri = java.net.URI.create("http://127.0.0.1:" + kosh.httpPort + "/api/drivers?name=zero.jar");
                for (int round = 0; round < 3; round++) {
                    long t0 = System.nanoTime();
                    var r = client.send(java.net.http.HttpRequest.newBuilder(uri).POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(bytes)).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    if (round == 0) {
                        assertEquals(201, r.statusCode(), r.body());
                        assertTrue(r.body().contains("\"name\":\"zero\"") && r.body().contains("\"state\":\"running\""), r.body());
                        best = ms;
                    } else {
                        assertEquals(400, r.statusCode(), "a driver that is already running is refused: " + r.body());
                        assertTrue(r.body().contains("driver zero is already running"), r.body());
                    }
                }
                System.out.println("driver jar POSTed → bound and serving: " + best + " ms");
                var bad = client.send(java.net.http.HttpRequest.newBuilder(uri).POST(java.net.http.HttpRequest.BodyPublishers.ofString("not a jar")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertEquals(400, bad.statusCode());
                assertTrue(bad.body().contains("not a valid jar"), bad.body());
            }
            assertTrue(kosh.get("/api/drivers").contains("\"name\":\"zero\""), kosh.get("/api/drivers"));
        }
    }
}
