package dev.kosh.ipc.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import org.HdrHistogram.Histogram;
import org.jctools.queues.SpscArrayQueue;

import dev.kosh.api.Ipc;
import dev.kosh.api.Message;
import dev.kosh.api.Outgoing;
import dev.kosh.api.Right;
import dev.kosh.api.Rights;
import dev.kosh.api.SysResult;
import dev.kosh.ipc.IpcKernel;
import dev.kosh.ipc.testing.IpcHarness;
import dev.kosh.kernel.process.KoshProcess;

/**
 * Latency percentiles (HdrHistogram) of every round trip in {@link PingPongs}, and 1P1C channel
 * throughput against raw JCTools SPSC, all in one run, with the ratios the IPC targets name.
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

    /** Messages per second from one producer thread to one consumer thread. */
    static double throughput(Callable<Runnable[]> setup, long messages) throws Exception {
        Runnable[] sides = setup.call();
        Thread consumer = Thread.ofPlatform().start(sides[1]);
        long t0 = System.nanoTime();
        sides[0].run();
        consumer.join();
        return messages / ((System.nanoTime() - t0) / 1e9);
    }

    static Runnable[] rawSpsc(long messages) {
        SpscArrayQueue<Long> q = new SpscArrayQueue<>(1024);
        Long m = 42L;
        return new Runnable[] {
            () -> {
                for (long i = 0; i < messages; i++) while (!q.offer(m)) Thread.onSpinWait();
            },
            () -> {
                for (long i = 0; i < messages; i++) while (q.poll() == null) Thread.onSpinWait();
            }
        };
    }

    static IpcHarness channelKernel;

    static Runnable[] kernelChannel(long messages) {
        return kernelChannel(messages, false);
    }

    /** Batched system calls ({@code sendMany} / {@code receiveMany}, {@code batch} per call) on a single-sender channel. */
    static Runnable[] kernelChannelBatched(long messages, int batch) {
        channelKernel = new IpcHarness(IpcKernel.Options.DEFAULT.withSpinNanos(1_000_000));
        KoshProcess producer = channelKernel.idle("producer");
        KoshProcess consumer = channelKernel.idle("consumer");
        Ipc pi = channelKernel.ipc(producer);
        Ipc ci = channelKernel.ipc(consumer);
        int ch = ci.createChannel(1024, true).orThrow();
        int send = channelKernel.ipc.space().grant(consumer.capabilityTable().lookup(ch), producer.capabilityTable(),
                Rights.of(Right.SEND), 0).orThrow();
        Outgoing[] out = new Outgoing[batch];
        java.util.Arrays.fill(out, Outgoing.of(0, 42L));
        return new Runnable[] {
            () -> {
                long left = messages;
                while (left > 0) {
                    int n = (int) Math.min(batch, left);
                    if (pi.sendMany(send, out, 0, n, Duration.ZERO) instanceof SysResult.Ok<Integer>(Integer sent)) left -= sent;
                    else Thread.onSpinWait(); // FULL: back-pressure, retry
                }
            },
            () -> {
                Duration wait = Duration.ofSeconds(5);
                Message[] in = new Message[batch];
                long got = 0;
                while (got < messages) {
                    if (!(ci.receiveMany(ch, in, wait) instanceof SysResult.Ok<Integer>(Integer n))) throw new AssertionError("lost messages after " + got);
                    got += n;
                }
            }
        };
    }

    static Runnable[] kernelChannel(long messages, boolean singleSender) {
        channelKernel = new IpcHarness(IpcKernel.Options.DEFAULT.withSpinNanos(1_000_000));
        KoshProcess producer = channelKernel.idle("producer");
        KoshProcess consumer = channelKernel.idle("consumer");
        Ipc pi = channelKernel.ipc(producer);
        Ipc ci = channelKernel.ipc(consumer);
        int ch = ci.createChannel(1024, singleSender).orThrow();
        int send = channelKernel.ipc.space().grant(consumer.capabilityTable().lookup(ch), producer.capabilityTable(),
                Rights.of(Right.SEND), 0).orThrow();
        Outgoing m = Outgoing.of(0, 42L);
        return new Runnable[] {
            () -> {
                for (long i = 0; i < messages; i++) {
                    while (!pi.send(send, m, Duration.ZERO).isOk()) Thread.onSpinWait(); // FULL: back-pressure, retry
                }
            },
            () -> {
                Duration wait = Duration.ofSeconds(5);
                for (long i = 0; i < messages; i++) {
                    if (!(ci.receive(ch, wait) instanceof SysResult.Ok<Message>)) throw new AssertionError("lost message " + i);
                }
            }
        };
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

        double rawTput = 0, kernelTput = 0, spscTput = 0, batchTput = 0;
        for (int round = 0; round < 3; round++) { // the last round is reported
            rawTput = throughput(() -> rawSpsc(messages), messages);
            kernelTput = throughput(() -> kernelChannel(messages, false), messages);
            channelKernel.close();
            spscTput = throughput(() -> kernelChannel(messages, true), messages);
            channelKernel.close();
            batchTput = throughput(() -> kernelChannelBatched(messages, 256), messages);
            channelKernel.close();
        }
        System.out.println(String.format(Locale.ROOT, "channel 1P1C: raw JCTools SPSC %.1f M msg/s", rawTput / 1e6));
        System.out.println(String.format(Locale.ROOT, "  kernel channel, send/receive per message (MPSC)   %.1f M msg/s = %.0f %%", kernelTput / 1e6, 100 * kernelTput / rawTput));
        System.out.println(String.format(Locale.ROOT, "  kernel channel, send/receive per message (SPSC)   %.1f M msg/s = %.0f %%", spscTput / 1e6, 100 * spscTput / rawTput));
        System.out.println(String.format(Locale.ROOT, "  kernel channel, sendMany/receiveMany 256 (SPSC)   %.1f M msg/s = %.0f %% (target >= 60 %%)", batchTput / 1e6, 100 * batchTput / rawTput));
        System.exit(0);
    }
}
