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
import java.io.OutputStream;
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

        // -Dbench.aot=true: each side first trains its own JDK 25 AOT cache, then boots with it.
        boolean aot = Boolean.getBoolean("bench.aot");
        Path cacheDir = Files.createTempDirectory("kosh-bench-aot");
        List<String> koshAot = new ArrayList<>(), bareAot = new ArrayList<>();
        if (aot) {
            train(java, jvm, root, dist, cacheDir.resolve("kosh.aot"), true);
            train(java, jvm, root, dist, cacheDir.resolve("bare.aot"), false);
            koshAot.add("-XX:AOTCache=" + cacheDir.resolve("kosh.aot"));
            bareAot.add("-XX:AOTCache=" + cacheDir.resolve("bare.aot"));
            System.out.println("AOT caches trained: " + Files.size(cacheDir.resolve("kosh.aot")) / 1024 + " KiB (kosh), "
                    + Files.size(cacheDir.resolve("bare.aot")) / 1024 + " KiB (bare)");
        }
        List<Sample> kosh = new ArrayList<>(), bare = new ArrayList<>();
        for (int i = 0; i < rounds + 1; i++) {
            Path data = Files.createTempDirectory("kosh-bench");
            List<String> k = new ArrayList<>(List.of(java));
            k.addAll(jvm);
            k.addAll(koshAot);
            k.addAll(List.of("-Dkosh.home=" + root, "-Dkosh.system.dir=" + dist.resolve("system"), "-cp", dist.resolve("lib") + "/*",
                    "dev.kosh.launcher.Main", "--data", data.toString(), "--http", "0", "--no-shell"));
            List<String> b = new ArrayList<>(List.of(java));
            b.addAll(jvm);
            b.addAll(bareAot);
            b.addAll(List.of("-cp", dist.resolve("lib") + "/*:" + bareJar(root),
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

    private static Path bareJar;

    /** BareEquinox in a jar of its own: an AOT cache accepts only jars on the class path. */
    private static synchronized Path bareJar(Path root) throws IOException {
        if (bareJar != null) return bareJar;
        Path jar = Files.createTempFile("bare-equinox", ".jar");
        String entry = BareEquinox.class.getName().replace('.', '/') + ".class";
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new java.util.jar.JarEntry(entry));
            out.write(Files.readAllBytes(root.resolve("it/target/test-classes").resolve(entry)));
            out.closeEntry();
        }
        return bareJar = jar;
    }

    /** Boots one side with -XX:AOTCacheOutput, lets it idle a moment, and stops it so the cache is written. */
    private static void train(String java, List<String> jvm, Path root, Path dist, Path cache, boolean kosh) throws Exception {
        Path data = Files.createTempDirectory("kosh-bench-train");
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(jvm);
        cmd.add("-XX:AOTCacheOutput=" + cache);
        cmd.add("-Xlog:aot=error");
        if (kosh) {
            cmd.addAll(List.of("-Dkosh.home=" + root, "-Dkosh.system.dir=" + dist.resolve("system"), "-cp", dist.resolve("lib") + "/*",
                    "dev.kosh.launcher.Main", "--data", data.toString(), "--http", "0", "--exec", "ps; dmesg -n 3; run dev.kosh.hello"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.waitFor(120, TimeUnit.SECONDS);
        } else {
            cmd.addAll(List.of("-cp", dist.resolve("lib") + "/*:" + bareJar(root),
                    BareEquinox.class.getName(), data.resolve("bare-osgi").toString(), dist.resolve("system").toString(), "--exit"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.waitFor(120, TimeUnit.SECONDS);
        }
        if (!Files.exists(cache)) throw new IllegalStateException("no AOT cache written to " + cache);
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
