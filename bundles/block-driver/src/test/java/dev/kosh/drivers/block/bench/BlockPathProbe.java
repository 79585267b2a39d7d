package dev.kosh.drivers.block.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import dev.kosh.driver.BlockGrant;
import dev.kosh.driver.api.BlockAccess;
import dev.kosh.driver.api.BlockDevice;
import dev.kosh.driver.api.DriverRequest;
import dev.kosh.driver.api.DriverResponse;
import dev.kosh.drivers.block.BlockProtocol;
import dev.kosh.drivers.block.KernelHarness;
import dev.kosh.hal.linux.IoUringBlockDevice.DirectIo;

/**
 * Where the time of a queue-depth-1 read through the block driver goes, in one JVM. Three cases run
 * in short interleaved slices (so other processes' load falls on all of them alike):
 *
 * <ul>
 *   <li>{@code ring}: a 4 KiB random read on the ring, as the driver does it (the device alone);
 *   <li>{@code hop}: a {@code size} request through the driver manager — the channel, waking the
 *       driver's process, its bookkeeping and waking the caller, with no I/O;
 *   <li>{@code driver}: a 4 KiB random {@code read} through the driver manager (both).
 * </ul>
 *
 * Per case: median rate, mean time per operation, and the process's CPU per operation split into
 * user and system time ({@code /proc/self/stat}, summed over all slices). Usage:
 * {@code BlockPathProbe FILE SLICE_MS SLICES}; {@code scripts/block-probe} builds and runs it.
 */
public final class BlockPathProbe {
    private static final String[] CASES = {"ring", "hop", "driver", "driver-nospin"};

    private BlockPathProbe() {}

    /** This process's user and system time, in clock ticks (100 a second on Linux). */
    private static long[] ticks() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
    }

    /** Switches the callers' spin for an answer (package-private in the driver framework) on or off. */
    private static void spin(boolean on) throws ReflectiveOperationException {
        var f = Class.forName("dev.kosh.driver.AnswerWait").getDeclaredField("enabled");
        f.setAccessible(true);
        f.setBoolean(null, on);
    }

    /** The machine's busy and total jiffies, from {@code /proc/stat}. */
    private static long[] machineBusy() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < f.length; i++) total += Long.parseLong(f[i]);
        long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
        return new long[] {total - idle, total};
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        long sliceNanos = Long.parseLong(args[1]) * 1_000_000;
        int slices = Integer.parseInt(args[2]);
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        BlockGrant grant = new BlockGrant("probe", List.of(new BlockGrant.Backing(file, 0, DirectIo.REQUIRED, 1)));
        BlockDevice device = switch (grant.open(0)) {
            case BlockAccess.Grant.Opened o -> o.device();
            case BlockAccess.Grant.Refused r -> throw new IllegalStateException(r.reason());
        };
        ByteBuffer buffer = device.allocate(1);
        long blocks = device.blockCount();
        SplittableRandom random = new SplittableRandom(7);
        double[][] rates = new double[CASES.length][slices];
        double[][] busyOthers = new double[CASES.length][slices];
        long[] ops = new long[CASES.length], user = new long[CASES.length], system = new long[CASES.length],
                cpu = new long[CASES.length], wall = new long[CASES.length];
        String load = "";
        try (KernelHarness kernel = new KernelHarness(file, 0, 1, DirectIo.REQUIRED)) {
            for (int s = -2; s < slices; s++) { // two slices of each to warm up
                for (int c = 0; c < CASES.length; c++) {
                    spin(c != 3);
                    long[] busy0 = machineBusy();
                    long[] t0 = ticks();
                    long cpu0 = os.getProcessCpuTime();
                    long start = System.nanoTime();
                    long n = 0;
                    while (System.nanoTime() - start < sliceNanos) {
                        long offset = random.nextLong(blocks) * 4096;
                        if (c == 0) {
                            if (device.read(offset, buffer).isPresent()) throw new IllegalStateException("ring read refused");
                        } else {
                            DriverRequest request = c == 1 ? BlockProtocol.size() : BlockProtocol.read(offset, 4096);
                            DriverResponse r = kernel.manager.call("block", request, Duration.ofSeconds(10)).orThrow();
                            if (!(r instanceof DriverResponse.Ok)) throw new IllegalStateException(r.toString());
                        }
                        n++;
                    }
                    long elapsed = System.nanoTime() - start;
                    if (s < 0) continue;
                    long[] t1 = ticks();
                    rates[c][s] = n * 1e9 / elapsed;
                    long[] busy1 = machineBusy();
                    busyOthers[c][s] = (busy1[0] - busy0[0]) / (double) (busy1[1] - busy0[1]);
                    ops[c] += n;
                    wall[c] += elapsed;
                    cpu[c] += os.getProcessCpuTime() - cpu0;
                    user[c] += t1[0] - t0[0];
                    system[c] += t1[1] - t0[1];
                }
            }
            load = Files.readString(Path.of("/proc/loadavg")).strip();
        } finally {
            device.close();
            grant.close();
        }
        System.out.printf("QD 1, 4 KiB random reads of %s, %d slices of %d ms per case; load average at the end: %s%n",
                file, slices, sliceNanos / 1_000_000, load);
        System.out.println("| case | median ops/s | µs per op | CPU µs per op | user | system | machine busy |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (int c = 0; c < CASES.length; c++) {
            double[] v = rates[c].clone();
            Arrays.sort(v);
            double[] b = busyOthers[c].clone();
            Arrays.sort(b);
            System.out.printf("| %s | %.0f | %.1f | %.1f | %.1f | %.1f | %.0f %% |%n", CASES[c], v[v.length / 2], wall[c] / 1e3 / ops[c],
                    cpu[c] / 1e3 / ops[c], user[c] * 1e4 / ops[c], system[c] * 1e4 / ops[c], 100 * b[b.length / 2]);
        }
    }
}
