package dev.kosh.drivers.block.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Kosh's block path against fio on the same file, in one run: for each access pattern and queue
 * depth, fio (io_uring engine, same block size, queue depth, direct flag and file), then the JMH
 * cases of {@link BlockThroughputBenchmark} (the ring as a driver drives it; a client's requests
 * through the driver manager), then fio again — the baseline is the mean of the two fio runs around
 * the Kosh measurement, so drift on a shared machine shows as a gap between them (printed).
 *
 * <p>Usage: {@code BlockBenchmarkRun FILE SECONDS DIRECT PATTERNS QDS [JVM_OPTIONS_FILE]}, e.g.
 * {@code /tmp/blk.img 3 true rand,seq 1,32 config/jvm.options}; {@code scripts/block-benchmark}
 * builds the classpath, makes the file and calls this. The JVM options file (one flag a line) gives
 * the JMH fork the flags Kosh itself runs with.
 */
public final class BlockBenchmarkRun {
    private static final int BS = 4096;

    record Fio(double iops, double kibPerSec) {}

    record Row(String pattern, int qd, Fio before, Fio after, double ring, double driver) {
        double fioIops() {
            return (before.iops() + after.iops()) / 2;
        }
    }

    private BlockBenchmarkRun() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: BlockBenchmarkRun FILE SECONDS DIRECT PATTERNS QDS [JVM_OPTIONS_FILE]");
            System.exit(64);
        }
        Path file = Path.of(args[0]);
        int seconds = Integer.parseInt(args[1]);
        boolean direct = Boolean.parseBoolean(args[2]);
        List<String> patterns = List.of(args[3].split(","));
        List<Integer> qds = List.of(args[4].split(",")).stream().map(Integer::parseInt).toList();
        List<String> jvmFlags = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
        if (args.length > 5) {
            for (String line : Files.readAllLines(Path.of(args[5]))) {
                if (!line.isBlank() && !line.startsWith("#")) jvmFlags.add(line.strip());
            }
        }
        long size = Files.size(file);
        List<Row> rows = new ArrayList<>();
        for (String pattern : patterns) {
            for (int qd : qds) {
                Fio before = fio(file, size, pattern, qd, direct, seconds);
                double[] kosh = jmh(file, pattern, qd, direct, seconds, jvmFlags);
                Fio after = fio(file, size, pattern, qd, direct, seconds);
                Row row = new Row(pattern, qd, before, after, kosh[0], kosh[1]);
                rows.add(row);
                System.out.println("# " + line(row));
            }
        }
        System.out.println();
        System.out.println("file " + file + ", " + (size >> 20) + " MiB, 4 KiB blocks, direct=" + direct + ", " + seconds
                + " s per measurement; JVM flags " + jvmFlags);
        System.out.println("| pattern | QD | fio IOPS (before / after) | fio MiB/s | ring IOPS | ring MiB/s | ring / fio | driver IOPS | driver MiB/s | driver / fio |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        for (Row r : rows) System.out.println(line(r));
    }

    private static String line(Row r) {
        double fio = r.fioIops();
        return String.format(Locale.ROOT, "| %s | %d | %.0f (%.0f / %.0f) | %.1f | %.0f | %.1f | %.0f %% | %.0f | %.1f | %.0f %% |",
                r.pattern().equals("rand") ? "random read" : "sequential read", r.qd(), fio, r.before().iops(), r.after().iops(),
                mib(fio), r.ring(), mib(r.ring()), 100 * r.ring() / fio, r.driver(), mib(r.driver()), 100 * r.driver() / fio);
    }

    private static double mib(double iops) {
        return iops * BS / (1 << 20);
    }

    /** fio with the io_uring engine on the same file; terse v3 fields 7 and 8 are read KiB/s and read IOPS. */
    static Fio fio(Path file, long size, String pattern, int qd, boolean direct, int seconds) throws IOException, InterruptedException {
        List<String> cmd = List.of("fio", "--name=kosh-baseline", "--filename=" + file, "--size=" + size, "--bs=" + BS,
                "--rw=" + (pattern.equals("rand") ? "randread" : "read"), "--ioengine=io_uring", "--direct=" + (direct ? 1 : 0),
                "--iodepth=" + qd, "--norandommap", "--randrepeat=0", "--time_based", "--ramp_time=1", "--runtime=" + seconds,
                "--output-format=terse", "--terse-version=3");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IllegalStateException("fio failed: " + err + out);
        String[] f = out.strip().split("\n")[0].split(";");
        return new Fio(Double.parseDouble(f[7]), Double.parseDouble(f[6]));
    }

    /** Blocks per second of {@code ring} and {@code driver}, one fork each. */
    static double[] jmh(Path file, String pattern, int qd, boolean direct, int seconds, List<String> jvmFlags) throws Exception {
        ChainedOptionsBuilder o = new OptionsBuilder()
                .include(BlockThroughputBenchmark.class.getName() + ".(ring|driver)$")
                .param("file", file.toString()).param("qd", String.valueOf(qd)).param("pattern", pattern)
                .param("direct", String.valueOf(direct))
                .warmupIterations(2).warmupTime(TimeValue.seconds(Math.max(1, seconds / 2)))
                .measurementIterations(3).measurementTime(TimeValue.seconds(seconds))
                .forks(1).jvmArgsAppend(jvmFlags.toArray(String[]::new)).shouldFailOnError(true);
        Collection<RunResult> results = new Runner(o.build()).run();
        double ring = 0, driver = 0;
        for (RunResult r : results) {
            double blocks = r.getSecondaryResults().get("blocks").getScore();
            if (r.getParams().getBenchmark().endsWith(".ring")) ring = blocks;
            else driver = blocks;
        }
        return new double[] {ring, driver};
    }
}
