package dev.kosh.ipc.bench;

import java.util.Arrays;
import java.util.Locale;

import org.HdrHistogram.Histogram;

/**
 * The call-round-trip ratio on a shared, loaded machine: raw JCTools SPSC ping-pong and the kernel's
 * busy-polling call, measured in alternating windows in one JVM (both kept running), so a burst of
 * load from elsewhere hits both alike. Reports each window's p50 ratio, their median, and the ratio
 * of the best (lowest) p50s, plus bytes allocated per round trip (client and server thread) after
 * warm-up, which load does not change. Run with
 * {@code java -cp <test classpath> dev.kosh.ipc.bench.CallRatioProbe [roundTripsPerWindow] [windows]}.
 */
public final class CallRatioProbe {
    private CallRatioProbe() {
    }

    static long p50(PingPongs p, int n) throws Exception {
        Histogram h = new Histogram(3_600_000_000_000L, 3);
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            p.roundTrip();
            h.recordValue(System.nanoTime() - t0);
        }
        return h.getValueAtPercentile(50);
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        int windows = args.length > 1 ? Integer.parseInt(args[1]) : 9;
        try (PingPongs raw = new PingPongs.RawSpsc(); PingPongs call = new PingPongs.KernelCall(1_000_000_000L);
             PingPongs rr = new PingPongs.KernelCall(1_000_000_000L, true)) {
            for (int i = 0; i < 4; i++) { // warm-up: let C2 compile every path
                p50(raw, n);
                p50(call, n);
                p50(rr, n);
            }
            long[] rawP50 = new long[windows], callP50 = new long[windows], rrP50 = new long[windows];
            double[] ratio = new double[windows], rrRatio = new double[windows];
            for (int w = 0; w < windows; w++) {
                rawP50[w] = p50(raw, n);
                callP50[w] = p50(call, n);
                rrP50[w] = p50(rr, n);
                ratio[w] = (double) callP50[w] / rawP50[w];
                rrRatio[w] = (double) rrP50[w] / rawP50[w];
            }
            double[] sorted = ratio.clone(), rrSorted = rrRatio.clone();
            Arrays.sort(sorted);
            Arrays.sort(rrSorted);
            long bestRaw = Arrays.stream(rawP50).min().orElseThrow(), bestCall = Arrays.stream(callP50).min().orElseThrow();
            long bestRr = Arrays.stream(rrP50).min().orElseThrow();
            System.out.println("window p50 ns (raw/call/call served with replyReceive): " + java.util.stream.IntStream.range(0, windows)
                    .mapToObj(w -> rawP50[w] + "/" + callP50[w] + "/" + rrP50[w]).toList());
            System.out.println(String.format(Locale.ROOT, "call p50 / raw SPSC p50: median of windows %.2f, best windows %d / %d = %.2f (target <= 2)",
                    sorted[windows / 2], bestCall, bestRaw, (double) bestCall / bestRaw));
            System.out.println(String.format(Locale.ROOT, "call served with replyReceive p50 / raw SPSC p50: median of windows %.2f, best windows %d / %d = %.2f",
                    rrSorted[windows / 2], bestRr, bestRaw, (double) bestRr / bestRaw));
            System.out.println(String.format(Locale.ROOT, "allocated per round trip, client + server thread: kernel call %.0f bytes, with replyReceive %.0f bytes",
                    IpcLatencyHarness.allocatedPerRoundTrip(call, 0, n), IpcLatencyHarness.allocatedPerRoundTrip(rr, 0, n)));
        }
        System.exit(0);
    }
}
