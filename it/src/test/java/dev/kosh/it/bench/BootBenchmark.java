package dev.kosh.it.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Boot time and idle memory of Kosh against bare Equinox with the same bundles, measured in the
 * same run, alternating, on the same JVM options (config/jvm.options). Not a unit test: run it
 * with {@code scripts/boot-benchmark} and read the medians and ratios.
 *
 * <p>For each run: the wall time from spawning the JVM to its ready line, the time the process
 * reports itself (JVM start → ready), and the resident set (VmRSS) after {@code IDLE_MS} idle.
 */
public final class BootBenchmark {
    private static final Pattern READY = Pattern.compile("ready in (\\d+) ms");
    private static final long IDLE_MS = 2000;

    record Sample(long wallMs, long selfMs, long rssKb) {}

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path dist = root.resolve("launcher/target/kosh");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> jvm = new ArrayList<>();
        for (String l : Files.readAllLines(root.resolve("config/jvm.options"))) if (!l.isBlank() && !l.startsWith("#")) jvm.add(l.strip());
        String extra = System.getProperty("bench.jvm", "");
        if (!extra.isBlank()) jvm.addAll(List.of(extra.split(" ")));

        List<Sample> kosh = new ArrayList<>(), bare = new ArrayList<>();
        for (int i = 0; i < rounds + 1; i++) {
            Path data = Files.createTempDirectory("kosh-bench");
            List<String> k = new ArrayList<>(List.of(java));
            k.addAll(jvm);
            k.addAll(List.of("-Dkosh.home=" + root, "-Dkosh.system.dir=" + dist.resolve("system"), "-cp", dist.resolve("lib") + "/*",
                    "dev.kosh.launcher.Main", "--data", data.toString(), "--http", "0", "--no-shell"));
            List<String> b = new ArrayList<>(List.of(java));
            b.addAll(jvm);
            b.addAll(List.of("-cp", dist.resolve("lib") + "/*:" + root.resolve("it/target/test-classes"),
                    BareEquinox.class.getName(), data.resolve("bare-osgi").toString(), dist.resolve("system").toString()));
            Sample ks = measure(k), bs = measure(b);
            if (i == 0) continue; // the first round warms the page cache for both
            kosh.add(ks);
            bare.add(bs);
            System.out.printf("round %d: kosh %d ms (self %d) %d KiB | bare %d ms (self %d) %d KiB%n", i,
                    ks.wallMs(), ks.selfMs(), ks.rssKb(), bs.wallMs(), bs.selfMs(), bs.rssKb());
        }
        report("wall ms (spawn → ready)", kosh, bare, Sample::wallMs);
        report("self ms (JVM start → ready)", kosh, bare, Sample::selfMs);
        report("RSS KiB after " + IDLE_MS + " ms idle", kosh, bare, Sample::rssKb);
    }

    private static void report(String what, List<Sample> kosh, List<Sample> bare, java.util.function.ToLongFunction<Sample> f) {
        long k = median(kosh, f), b = median(bare, f);
        System.out.printf("%-34s kosh %7d   bare equinox %7d   ratio %.2f%n", what, k, b, (double) k / b);
    }

    private static long median(List<Sample> s, java.util.function.ToLongFunction<Sample> f) {
        List<Long> v = new ArrayList<>(s.stream().map(f::applyAsLong).toList());
        Collections.sort(v);
        return v.get(v.size() / 2);
    }

    private static Sample measure(List<String> cmd) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            long self = -1;
            while ((line = r.readLine()) != null) {
                Matcher m = READY.matcher(line);
                if (m.find()) {
                    self = Long.parseLong(m.group(1));
                    break;
                }
            }
            long wall = (System.nanoTime() - t0) / 1_000_000;
            if (self < 0) throw new IllegalStateException("no ready line from " + cmd);
            Thread.ofPlatform().daemon(true).start(() -> {
                try {
                    r.transferTo(java.io.Writer.nullWriter());
                } catch (IOException ignored) {
                    // the process was killed
                }
            });
            Thread.sleep(IDLE_MS);
            return new Sample(wall, self, rssKb(p.pid()));
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static long rssKb(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("\\D", ""));
        }
        return -1;
    }
}
