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
 * <p>A case is measured in ROUNDS rounds (fio, Kosh, fio, Kosh, ..., fio); each Kosh measurement is
 * divided by the mean of the fio runs either side of it, and the median of those ratios is reported,
 * which keeps other processes' load on a shared machine out of the ratio as far as it can be. The
 * CPU time per I/O of the ring path ({@link RingCpuProbe}) and of fio is reported too.
 *
 * <p>Usage: {@code BlockBenchmarkRun FILE SECONDS DIRECT PATTERNS QDS ROUNDS [JVM_OPTIONS_FILE]}, e.g.
 * {@code /tmp/blk.img 3 true rand,seq 1,32 3 config/jvm.options}; {@code scripts/block-benchmark}
 * builds the classpath, makes the file and calls this. The JVM options file (one flag a line) gives
 * the JMH fork the flags Kosh itself runs with.
 */
public final class BlockBenchmarkRun {
    private static final int BS = 4096;

    /** One fio run: IOPS, and its whole process's CPU time (usr+sys) per I/O and user part. */
    record Fio(double iops, double cpuNanosPerIo, double userNanosPerIo) {}

    /** One round: fio, Kosh (JMH ring and driver, then the CPU probe), fio. */
    record Round(Fio before, Fio after, double ring, double driver, double batched, RingCpuProbe.Sample cpu) {
        double fioIops() {
            return (before.iops() + after.iops()) / 2;
        }
    }

    record Row(String pattern, int qd, List<Round> rounds) {
        double fio() {
            return median(rounds.stream().mapToDouble(Round::fioIops).toArray());
        }

        double ring() {
            return median(rounds.stream().mapToDouble(Round::ring).toArray());
        }

        double driver() {
            return median(rounds.stream().mapToDouble(Round::driver).toArray());
        }

        /** Median of each round's ratio to the fio runs either side of it. */
        double ringRatio() {
            return median(rounds.stream().mapToDouble(r -> r.ring() / r.fioIops()).toArray());
        }

        double driverRatio() {
            return median(rounds.stream().mapToDouble(r -> r.driver() / r.fioIops()).toArray());
        }

        double batched() {
            return median(rounds.stream().mapToDouble(Round::batched).toArray());
        }

        double batchedRatio() {
            return median(rounds.stream().mapToDouble(r -> r.batched() / r.fioIops()).toArray());
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private BlockBenchmarkRun() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 6) {
            System.err.println("usage: BlockBenchmarkRun FILE SECONDS DIRECT PATTERNS QDS ROUNDS [JVM_OPTIONS_FILE]");
            System.exit(64);
        }
        Path file = Path.of(args[0]);
        int seconds = Integer.parseInt(args[1]);
        boolean direct = Boolean.parseBoolean(args[2]);
        List<String> patterns = List.of(args[3].split(","));
        List<Integer> qds = List.of(args[4].split(",")).stream().map(Integer::parseInt).toList();
        int roundCount = Integer.parseInt(args[5]);
        List<String> jvmFlags = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
        if (args.length > 6) {
            for (String line : Files.readAllLines(Path.of(args[6]))) {
                if (!line.isBlank() && !line.startsWith("#")) jvmFlags.add(line.strip());
            }
        }
        long size = Files.size(file);
        List<Row> rows = new ArrayList<>();
        for (String pattern : patterns) {
            for (int qd : qds) {
                List<Round> rounds = new ArrayList<>();
                Fio before = fio(file, size, pattern, qd, direct, seconds);
                for (int i = 0; i < roundCount; i++) {
                    double[] kosh = jmh(file, pattern, qd, direct, seconds, jvmFlags);
                    RingCpuProbe.Sample cpu = RingCpuProbe.measure(file, qd, pattern, direct, seconds);
                    Fio after = fio(file, size, pattern, qd, direct, seconds);
                    Round round = new Round(before, after, kosh[0], kosh[1], kosh[2], cpu);
                    rounds.add(round);
                    System.out.println(String.format(Locale.ROOT, "# %s QD %d round %d: fio %.0f / %.0f, ring %.0f, driver %.0f, batched %.0f IOPS; "
                            + "cpu per I/O: ring %.0f ns (user %.0f), fio %.0f ns (user %.0f)", pattern, qd, i + 1, before.iops(), after.iops(),
                            kosh[0], kosh[1], kosh[2], cpu.cpuNanosPerIo(), cpu.userNanosPerIo(), after.cpuNanosPerIo(), after.userNanosPerIo()));
                    before = after;
                }
                rows.add(new Row(pattern, qd, rounds));
            }
        }
        System.out.println();
        System.out.println("file " + file + ", " + (size >> 20) + " MiB, 4 KiB blocks, direct=" + direct + ", " + seconds
                + " s per measurement; JVM flags " + jvmFlags);
        System.out.println("medians of " + roundCount + " round(s); ratios are the median of each round's Kosh / (fio before + fio after) / 2");
        System.out.println();
        System.out.println("driver: one-block reads, QD of them in flight; batched: readvs of " + BlockThroughputBenchmark.BATCH
                + " blocks, QD blocks in flight (the same as driver at QD 1)");
        System.out.println();
        System.out.println("| pattern | QD | fio IOPS | fio MiB/s | ring IOPS | ring / fio | driver IOPS | driver MiB/s | driver / fio | batched IOPS | batched / fio |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        for (Row r : rows) {
            System.out.println(String.format(Locale.ROOT, "| %s | %d | %.0f | %.1f | %.0f | %.0f %% | %.0f | %.1f | %.0f %% | %.0f | %.0f %% |",
                    name(r.pattern()), r.qd(), r.fio(), mib(r.fio()), r.ring(), 100 * r.ringRatio(), r.driver(), mib(r.driver()),
                    100 * r.driverRatio(), r.batched(), 100 * r.batchedRatio()));
        }
        System.out.println();
        System.out.println("| pattern | QD | fio CPU ns/IO (user) | ring CPU ns/IO (user) |");
        System.out.println("|---|---|---|---|");
        for (Row r : rows) {
            double fioCpu = median(r.rounds().stream().mapToDouble(x -> x.after().cpuNanosPerIo()).toArray());
            double fioUser = median(r.rounds().stream().mapToDouble(x -> x.after().userNanosPerIo()).toArray());
            double ringCpu = median(r.rounds().stream().mapToDouble(x -> x.cpu().cpuNanosPerIo()).toArray());
            double ringUser = median(r.rounds().stream().mapToDouble(x -> x.cpu().userNanosPerIo()).toArray());
            System.out.println(String.format(Locale.ROOT, "| %s | %d | %.0f (%.0f) | %.0f (%.0f) |", name(r.pattern()), r.qd(), fioCpu, fioUser,
                    ringCpu, ringUser));
        }
    }

    private static String name(String pattern) {
        return pattern.equals("rand") ? "random read" : "sequential read";
    }

    private static double mib(double iops) {
        return iops * BS / (1 << 20);
    }

    /** fio with the io_uring engine on the same file; its JSON report gives IOPS, I/Os, run time and CPU shares. */
    static Fio fio(Path file, long size, String pattern, int qd, boolean direct, int seconds) throws IOException, InterruptedException {
        List<String> cmd = List.of("fio", "--name=kosh-baseline", "--filename=" + file, "--size=" + size, "--bs=" + BS,
                "--rw=" + (pattern.equals("rand") ? "randread" : "read"), "--ioengine=io_uring", "--direct=" + (direct ? 1 : 0),
                "--iodepth=" + qd, "--norandommap", "--randrepeat=0", "--time_based", "--ramp_time=1", "--runtime=" + seconds,
                "--output-format=json");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IllegalStateException("fio failed: " + err + out);
        double iops = number(out, "iops"), ios = number(out, "total_ios"), runtimeMs = number(out, "job_runtime");
        double usr = number(out, "usr_cpu"), sys = number(out, "sys_cpu");
        double perIo = runtimeMs * 1e6 / ios / 100; // percent of the run time, in ns per I/O
        return new Fio(iops, (usr + sys) * perIo, usr * perIo);
    }

    /** The first {@code "key" : number} in fio's JSON (the first job's read section comes first). */
    private static double number(String json, String key) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + key + "\"\\s*:\\s*([0-9.eE+-]+)").matcher(json);
        if (!m.find()) throw new IllegalStateException("fio's report has no " + key + ": " + json);
        return Double.parseDouble(m.group(1));
    }

    /** Blocks per second of {@code ring}, {@code driver} and {@code driverBatched}, one fork each. */
    static double[] jmh(Path file, String pattern, int qd, boolean direct, int seconds, List<String> jvmFlags) throws Exception {
        ChainedOptionsBuilder o = new OptionsBuilder()
                .include(BlockThroughputBenchmark.class.getName() + ".(ring|driver|driverBatched)$")
                .param("file", file.toString()).param("qd", String.valueOf(qd)).param("pattern", pattern)
                .param("direct", String.valueOf(direct))
                .warmupIterations(2).warmupTime(TimeValue.seconds(Math.max(1, seconds / 2)))
                .measurementIterations(3).measurementTime(TimeValue.seconds(seconds))
                .forks(1).jvmArgsAppend(jvmFlags.toArray(String[]::new)).shouldFailOnError(true);
        Collection<RunResult> results = new Runner(o.build()).run();
        double ring = 0, driver = 0, batched = 0;
        for (RunResult r : results) {
            double blocks = r.getSecondaryResults().get("blocks").getScore();
            String name = r.getParams().getBenchmark();
            if (name.endsWith(".ring")) ring = blocks;
            else if (name.endsWith(".driverBatched")) batched = blocks;
            else driver = blocks;
        }
        return new double[] {ring, driver, batched};
    }
}
