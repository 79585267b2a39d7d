package dev.kosh.ipc.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * Latency percentiles (HdrHistogram) of every round trip in {@link PingPongs}, and 1P1C channel
 * throughput against raw JCTools SPSC (the flows of {@link ChannelThroughputProbe}), all in one run, with the ratios the IPC targets name.
 * Not a unit test; run with
 * {@code java -cp <test classpath> dev.kosh.ipc.bench.IpcLatencyHarness [roundTrips] [messages]}.
 */
public final class IpcLatencyHarness {
    private IpcLatencyHarness() {
    }

    record Result(String name, long p50, long p99, long p999, double mean) {}

    static Result measure(String name, PingPongs p, int warmup, int n) throws Exception {
        try (p) {
            for (int i = 0; i < warmup; i++) p.roundTrip();
            Histogram h = new Histogram(3_600_000_000_000L, 3);
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                p.roundTrip();
                h.recordValue(System.nanoTime() - t0);
            }
            return new Result(name, h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMean());
        }
    }

    /**
     * Bytes the client and the echo thread allocate per round trip (after warm-up): unlike latency
     * on a shared, loaded box, this does not depend on what else runs.
     */
    static double bytesPerRoundTrip(PingPongs p, int warmup, int n) throws Exception {
        try (p) {
            return allocatedPerRoundTrip(p, warmup, n);
        }
    }

    /** As {@link #bytesPerRoundTrip}, leaving {@code p} open. */
    static double allocatedPerRoundTrip(PingPongs p, int warmup, int n) throws Exception {
        for (int i = 0; i < warmup; i++) p.roundTrip();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long me = Thread.currentThread().threadId(), echo = p.echo.threadId();
        long before = mx.getThreadAllocatedBytes(me) + mx.getThreadAllocatedBytes(echo);
        for (int i = 0; i < n; i++) p.roundTrip();
        long after = mx.getThreadAllocatedBytes(me) + mx.getThreadAllocatedBytes(echo);
        return (after - before) / (double) n;
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        long messages = args.length > 1 ? Long.parseLong(args[1]) : 5_000_000L;
        int warm = n / 2;
        Map<String, Result> r = new LinkedHashMap<>();
        for (int round = 0; round < 2; round++) { // the first round warms up the JIT; the second is reported
            r.put("raw JCTools SPSC ping-pong", measure("raw JCTools SPSC ping-pong", new PingPongs.RawSpsc(), warm, n));
            r.put("kernel call, busy-poll", measure("kernel call, busy-poll", new PingPongs.KernelCall(1_000_000_000L), warm, n));
            r.put("kernel call, blocking", measure("kernel call, blocking", new PingPongs.KernelCall(0), warm / 4, n / 4));
            r.put("ArrayBlockingQueue ping-pong", measure("ArrayBlockingQueue ping-pong", new PingPongs.Blocking(), warm / 4, n / 4));
            r.put("Unix-domain socket ping-pong", measure("Unix-domain socket ping-pong", new PingPongs.UnixSocket(), warm / 4, n / 4));
        }
        System.out.println(String.format(Locale.ROOT, "%-32s %10s %10s %10s %10s", "round trip (ns)", "p50", "p99", "p99.9", "mean"));
        for (Result x : r.values()) {
            System.out.println(String.format(Locale.ROOT, "%-32s %10d %10d %10d %10.0f", x.name(), x.p50(), x.p99(), x.p999(), x.mean()));
        }
        long raw = r.get("raw JCTools SPSC ping-pong").p50();
        long busy = r.get("kernel call, busy-poll").p50();
        long blocking = r.get("kernel call, blocking").p50();
        long uds = r.get("Unix-domain socket ping-pong").p50();
        System.out.println(String.format(Locale.ROOT, "kernel busy-poll p50 / raw SPSC p50 = %.2f (target <= 2)", (double) busy / raw));
        System.out.println(String.format(Locale.ROOT, "Unix socket p50 / kernel busy-poll p50 = %.1f (target >= 20)", (double) uds / busy));
        System.out.println(String.format(Locale.ROOT, "Unix socket p50 / kernel blocking p50 = %.1f", (double) uds / blocking));
        System.out.println(String.format(Locale.ROOT, "allocated per round trip, client + server thread: kernel call %.0f bytes, raw SPSC %.0f bytes",
                bytesPerRoundTrip(new PingPongs.KernelCall(1_000_000_000L), warm, n), bytesPerRoundTrip(new PingPongs.RawSpsc(), warm, n)));

        // channel 1P1C: the flows of ChannelThroughputProbe (same queue capacity, payload, batch size and threads)
        Map<String, ChannelThroughputProbe.Flow> flows = new LinkedHashMap<>();
        flows.put("raw JCTools SPSC, offer/poll", new ChannelThroughputProbe.RawSpsc());
        flows.put("raw JCTools SPSC, fill/drain 256", new ChannelThroughputProbe.RawSpscBatched());
        flows.put("raw JCTools SPSC, Object[256] copies", new ChannelThroughputProbe.RawSpscArrays());
        flows.put("kernel MPSC, send/receive", new ChannelThroughputProbe.KernelSingle(false));
        flows.put("kernel SPSC, send/receive", new ChannelThroughputProbe.KernelSingle(true));
        flows.put("kernel SPSC, sendMany/receiveMany 256", new ChannelThroughputProbe.KernelMany(true));
        flows.put("kernel SPSC, sendData/receiveData 256", new ChannelThroughputProbe.KernelData(true));
        Map<String, Double> tput = new LinkedHashMap<>();
        for (int round = 0; round < 3; round++) { // the last round is reported
            for (var f : flows.entrySet()) tput.put(f.getKey(), ChannelThroughputProbe.window(f.getValue(), messages).perSecond());
        }
        double rawChannel = tput.get("raw JCTools SPSC, offer/poll");
        System.out.println(String.format(Locale.ROOT, "channel 1P1C: raw JCTools SPSC %.1f M msg/s", rawChannel / 1e6));
        for (var t : tput.entrySet()) {
            System.out.println(String.format(Locale.ROOT, "  %-40s %8.1f M msg/s = %4.0f %% of raw offer/poll", t.getKey(), t.getValue() / 1e6, 100 * t.getValue() / rawChannel));
        }
        for (ChannelThroughputProbe.Flow f : flows.values()) f.close();
        System.exit(0);
    }
}
