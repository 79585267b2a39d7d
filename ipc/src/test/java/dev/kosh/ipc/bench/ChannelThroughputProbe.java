package dev.kosh.ipc.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jctools.queues.SpscArrayQueue;

import dev.kosh.api.ChannelBatch;
import dev.kosh.api.Ipc;
import dev.kosh.api.Message;
import dev.kosh.api.MessageType;
import dev.kosh.api.Outgoing;
import dev.kosh.api.Right;
import dev.kosh.api.Rights;
import dev.kosh.api.SysResult;
import dev.kosh.ipc.IpcKernel;
import dev.kosh.ipc.testing.IpcHarness;
import dev.kosh.kernel.process.KoshProcess;

/**
 * One producer, one consumer: the kernel channel's paths against raw JCTools {@link SpscArrayQueue}
 * on the same footing (capacity 1024, the same payload object {@code Long 42}, batches of 256, the
 * producer on the main thread and the consumer on a new platform thread, the consumer checking every
 * payload it gets), in alternating windows in one JVM so a burst of load from elsewhere hits every
 * variant alike. Reports each variant's median throughput over the windows, the median of the
 * per-window ratios to both raw baselines (offer/poll per message, and the queue's own batch
 * operations {@code fill}/{@code drain}), bytes allocated per message (producer and consumer
 * threads), and the load average. Not a unit test; run with
 * {@code java -cp <test classpath> dev.kosh.ipc.bench.ChannelThroughputProbe [messagesPerWindow] [windows]}.
 */
public final class ChannelThroughputProbe {
    static final int CAPACITY = 1024;
    static final int BATCH = 256;
    static final Long PAYLOAD = 42L;

    private ChannelThroughputProbe() {
    }

    /** One way to move messages from one thread to another. */
    interface Flow extends AutoCloseable {
        void produce(long n);

        void consume(long n);

        @Override
        default void close() {
        }
    }

    static final class RawSpsc implements Flow {
        final SpscArrayQueue<Long> q = new SpscArrayQueue<>(CAPACITY);

        @Override
        public void produce(long n) {
            for (long i = 0; i < n; i++) while (!q.offer(PAYLOAD)) Thread.onSpinWait();
        }

        @Override
        public void consume(long n) {
            for (long i = 0; i < n; i++) {
                Long e;
                while ((e = q.poll()) == null) Thread.onSpinWait();
                if (e != PAYLOAD) throw new AssertionError("wrong payload");
            }
        }
    }

    /** Raw SPSC with the queue's batch operations, batches of {@link #BATCH}: the strictest baseline. */
    static final class RawSpscBatched implements Flow {
        final SpscArrayQueue<Long> q = new SpscArrayQueue<>(CAPACITY);

        @Override
        public void produce(long n) {
            long left = n;
            while (left > 0) {
                int k = q.fill(() -> PAYLOAD, (int) Math.min(BATCH, left));
                if (k == 0) Thread.onSpinWait();
                left -= k;
            }
        }

        @Override
        public void consume(long n) {
            Object[] into = new Object[BATCH];
            int[] at = new int[1];
            long got = 0;
            while (got < n) {
                at[0] = 0;
                int k = q.drain(e -> into[at[0]++] = e, BATCH);
                if (k == 0) {
                    Thread.onSpinWait();
                    continue;
                }
                for (int i = 0; i < k; i++) if (into[i] != PAYLOAD) throw new AssertionError("wrong payload");
                got += k;
            }
        }
    }

    /**
     * Raw SPSC moving each batch as one entry, a copy of the sender's array that the consumer copies
     * out of: the kernel's single-sender data plane does exactly this (plus its checks).
     */
    static final class RawSpscArrays implements Flow {
        final SpscArrayQueue<Object[]> q = new SpscArrayQueue<>(CAPACITY / BATCH); // the same 1024 messages in flight
        final Object[] out = new Object[BATCH];

        RawSpscArrays() {
            Arrays.fill(out, PAYLOAD);
        }

        @Override
        public void produce(long n) {
            long left = n;
            while (left > 0) {
                int k = (int) Math.min(BATCH, left);
                Object[] copy = Arrays.copyOf(out, k);
                while (!q.offer(copy)) Thread.onSpinWait();
                left -= k;
            }
        }

        @Override
        public void consume(long n) {
            Object[] into = new Object[BATCH];
            long got = 0;
            while (got < n) {
                Object[] a;
                while ((a = q.poll()) == null) Thread.onSpinWait();
                System.arraycopy(a, 0, into, 0, a.length);
                for (int i = 0; i < a.length; i++) if (into[i] != PAYLOAD) throw new AssertionError("wrong payload");
                got += a.length;
            }
        }
    }

    /** A kernel with a producer and a consumer process and one channel between them. */
    abstract static class Kernel implements Flow {
        /** The receiver spins (as the raw consumers do) rather than parking after the default 20 µs. */
        final IpcHarness k = new IpcHarness(IpcKernel.Options.DEFAULT.withSpinNanos(5_000_000_000L));
        final Ipc pi, ci;
        final int ch, send;
        final Duration wait = Duration.ofSeconds(5);

        Kernel(boolean singleSender) {
            KoshProcess producer = k.idle("producer");
            KoshProcess consumer = k.idle("consumer");
            pi = k.ipc(producer);
            ci = k.ipc(consumer);
            ch = ci.createChannel(CAPACITY, singleSender).orThrow();
            send = k.ipc.space().grant(consumer.capabilityTable().lookup(ch), producer.capabilityTable(), Rights.of(Right.SEND), 7).orThrow();
        }

        @Override
        public void close() {
            k.close();
        }
    }

    /** {@code send}/{@code receive}, one message per system call. */
    static final class KernelSingle extends Kernel {
        final Outgoing m = Outgoing.of(0, PAYLOAD);

        KernelSingle(boolean singleSender) {
            super(singleSender);
        }

        @Override
        public void produce(long n) {
            for (long i = 0; i < n; i++) while (!pi.send(send, m, Duration.ZERO).isOk()) Thread.onSpinWait(); // FULL: retry
        }

        @Override
        public void consume(long n) {
            for (long i = 0; i < n; i++) {
                if (!(ci.receive(ch, wait) instanceof SysResult.Ok<Message>(Message got)) || got.data() != PAYLOAD) throw new AssertionError("lost message " + i);
            }
        }
    }

    /** {@code sendMany}/{@code receiveMany}: batches of {@code Outgoing} in, {@code Message}s out. */
    static final class KernelMany extends Kernel {
        final Outgoing[] out = new Outgoing[BATCH];

        KernelMany(boolean singleSender) {
            super(singleSender);
            Arrays.fill(out, Outgoing.of(0, PAYLOAD));
        }

        @Override
        public void produce(long n) {
            long left = n;
            while (left > 0) {
                if (pi.sendMany(send, out, 0, (int) Math.min(BATCH, left), Duration.ZERO) instanceof SysResult.Ok<Integer>(Integer k)) left -= k;
                else Thread.onSpinWait();
            }
        }

        @Override
        public void consume(long n) {
            Message[] in = new Message[BATCH];
            long got = 0;
            while (got < n) {
                if (!(ci.receiveMany(ch, in, wait) instanceof SysResult.Ok<Integer>(Integer k))) throw new AssertionError("lost messages after " + got);
                for (int i = 0; i < k; i++) if (in[i].data() != PAYLOAD) throw new AssertionError("wrong payload");
                got += k;
            }
        }
    }

    /** {@code sendData}/{@code receiveData}: the data plane, payloads in and out. */
    static final class KernelData extends Kernel {
        final Object[] out = new Object[BATCH];

        KernelData(boolean singleSender) {
            super(singleSender);
            Arrays.fill(out, PAYLOAD);
        }

        @Override
        public void produce(long n) {
            long left = n;
            while (left > 0) {
                if (pi.sendData(send, MessageType.SERVICE_REQUEST, 0, out, 0, (int) Math.min(BATCH, left), Duration.ZERO) instanceof SysResult.Ok<Integer>(Integer k)) left -= k;
                else Thread.onSpinWait();
            }
        }

        @Override
        public void consume(long n) {
            Object[] in = new Object[BATCH];
            long got = 0;
            while (got < n) {
                if (!(ci.receiveData(ch, in, wait) instanceof SysResult.Ok<ChannelBatch>(ChannelBatch b)) || b.badge() != 7) throw new AssertionError("lost messages after " + got);
                for (int i = 0; i < b.count(); i++) if (in[i] != PAYLOAD) throw new AssertionError("wrong payload");
                got += b.count();
            }
        }
    }

    record Window(double perSecond, double bytesPerMessage) {}

    static Window window(Flow f, long n) throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long[] consumerBytes = new long[1];
        Thread consumer = Thread.ofPlatform().unstarted(() -> {
            long before = mx.getCurrentThreadAllocatedBytes();
            f.consume(n);
            consumerBytes[0] = mx.getCurrentThreadAllocatedBytes() - before;
        });
        long producerBefore = mx.getCurrentThreadAllocatedBytes();
        long t0 = System.nanoTime();
        consumer.start();
        f.produce(n);
        consumer.join();
        long t = System.nanoTime() - t0;
        long producerBytes = mx.getCurrentThreadAllocatedBytes() - producerBefore;
        return new Window(n / (t / 1e9), (producerBytes + consumerBytes[0]) / (double) n);
    }

    /**
     * CPU nanoseconds per message when one thread sends a batch of {@link #BATCH} and then receives
     * it: the cost of the path itself, without the cross-core traffic, and measured in the thread's
     * CPU time so that being descheduled on a loaded box does not count.
     */
    static double sameThreadNanosPerMessage(Flow f, long n) {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long batches = n / BATCH;
        long t0 = mx.getCurrentThreadCpuTime();
        for (long b = 0; b < batches; b++) {
            f.produce(BATCH);
            f.consume(BATCH);
        }
        return (mx.getCurrentThreadCpuTime() - t0) / (double) (batches * BATCH);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    /** Older kernels (before sendData) are measured without the data-plane rows, for old/new comparisons. */
    static void putIfAvailable(Map<String, Flow> flows, String name, KernelData f) {
        if (f.pi.sendData(f.send, MessageType.SERVICE_REQUEST, 0, new Object[] {PAYLOAD}, 0, 1, Duration.ZERO) instanceof SysResult.Err<Integer> e) {
            System.out.println("(" + name + ": " + e.errno() + ", left out)");
            f.close();
            return;
        }
        f.consume(1);
        flows.put(name, f);
    }

    public static void main(String[] args) throws Exception {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 5_000_000L;
        int windows = args.length > 1 ? Integer.parseInt(args[1]) : 9;
        boolean sameThread = args.length > 2 && args[2].equals("same-thread");
        System.out.println("load average before: " + loadAverage());
        Map<String, Flow> flows = new LinkedHashMap<>();
        flows.put("raw JCTools SPSC, offer/poll", new RawSpsc());
        flows.put("raw JCTools SPSC, fill/drain 256", new RawSpscBatched());
        flows.put("raw JCTools SPSC, Object[256] copies", new RawSpscArrays());
        flows.put("kernel SPSC, send/receive", new KernelSingle(true));
        flows.put("kernel SPSC, sendMany/receiveMany 256", new KernelMany(true));
        putIfAvailable(flows, "kernel SPSC, sendData/receiveData 256", new KernelData(true));
        flows.put("kernel MPSC, sendMany/receiveMany 256", new KernelMany(false));
        putIfAvailable(flows, "kernel MPSC, sendData/receiveData 256", new KernelData(false));
        List<String> names = new ArrayList<>(flows.keySet());
        if (sameThread) {
            for (int w = 0; w < 3; w++) for (Flow f : flows.values()) sameThreadNanosPerMessage(f, n / 2);
            double[][] ns = new double[names.size()][windows];
            for (int w = 0; w < windows; w++) for (int i = 0; i < names.size(); i++) ns[i][w] = sameThreadNanosPerMessage(flows.get(names.get(i)), n);
            System.out.println(String.format(Locale.ROOT, "%-40s %12s %14s %14s", "same thread, batch 256, " + n + " msgs x " + windows,
                    "CPU ns/msg", "raw offer / x", "raw fill / x"));
            for (int i = 0; i < names.size(); i++) {
                double[] r1 = new double[windows], r2 = new double[windows];
                for (int w = 0; w < windows; w++) {
                    r1[w] = ns[0][w] / ns[i][w];
                    r2[w] = ns[1][w] / ns[i][w];
                }
                System.out.println(String.format(Locale.ROOT, "%-40s %12.2f %13.0f%% %13.0f%%", names.get(i), median(ns[i]), 100 * median(r1), 100 * median(r2)));
            }
            System.out.println("load average after: " + loadAverage());
            for (Flow f : flows.values()) f.close();
            System.exit(0);
        }
        for (int w = 0; w < 3; w++) for (Flow f : flows.values()) window(f, n / 2); // warm-up: C2 for every path
        double[][] tput = new double[names.size()][windows];
        double[][] bytes = new double[names.size()][windows];
        for (int w = 0; w < windows; w++) {
            for (int i = 0; i < names.size(); i++) {
                Window r = window(flows.get(names.get(i)), n);
                tput[i][w] = r.perSecond();
                bytes[i][w] = r.bytesPerMessage();
            }
        }
        System.out.println(String.format(Locale.ROOT, "%-40s %12s %14s %14s %10s", "1P1C, " + n + " msgs x " + windows + " windows",
                "M msg/s", "/ raw offer", "/ raw fill", "B/msg"));
        for (int i = 0; i < names.size(); i++) {
            double[] r1 = new double[windows], r2 = new double[windows];
            for (int w = 0; w < windows; w++) {
                r1[w] = tput[i][w] / tput[0][w];
                r2[w] = tput[i][w] / tput[1][w];
            }
            System.out.println(String.format(Locale.ROOT, "%-40s %12.1f %13.0f%% %13.0f%% %10.1f", names.get(i), median(tput[i]) / 1e6,
                    100 * median(r1), 100 * median(r2), median(bytes[i])));
        }
        for (int i = 0; i < names.size(); i++) {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "  %-38s", names.get(i)));
            for (int w = 0; w < windows; w++) sb.append(String.format(Locale.ROOT, " %6.1f", tput[i][w] / 1e6));
            System.out.println(sb);
        }
        System.out.println("load average after: " + loadAverage() + "; ratios are medians of per-window ratios (target >= 60 %)");
        for (Flow f : flows.values()) f.close();
        System.exit(0);
    }
}
