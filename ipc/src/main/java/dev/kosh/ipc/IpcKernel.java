package dev.kosh.ipc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

import dev.kosh.api.Errno;
import dev.kosh.api.Ipc;
import dev.kosh.api.SysResult;
import dev.kosh.ipc.internal.ChannelObject;
import dev.kosh.ipc.internal.Endpoint;
import dev.kosh.ipc.internal.IpcObjects;
import dev.kosh.ipc.internal.NotificationObject;
import dev.kosh.ipc.internal.ProcessIpc;
import dev.kosh.ipc.internal.ServiceDirectory;
import dev.kosh.ipc.internal.SharedRegion;
import dev.kosh.kernel.cap.CapabilitySpace;
import dev.kosh.kernel.cap.KernelObject;
import dev.kosh.kernel.process.IpcService;
import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.kernel.process.ProcessTable;

/**
 * The IPC kernel: creates each process's {@link Ipc} system calls, holds the live IPC objects, the
 * service directory and the IPC counters. One per boot. Wiring (the launcher, at boot, before the
 * first process spawns):
 *
 * <pre>{@code
 *   IpcKernel ipc = IpcKernel.install(table);               // table.installIpc(ipc)
 *   IpcMetrics.bind(ipc, meterRegistry);                    // latency histogram, depths
 *   // ipcstat:  ipc.stats();   caps PID:  table.capabilities(pid)
 * }</pre>
 *
 * <p>Threads: every method may be called from any thread.
 */
public final class IpcKernel implements IpcService {

    /**
     * Tuning. {@code spinNanos}: how long a blocked call, receive or wait busy-polls before it
     * parks (0 parks at once: frees the core; larger: lower latency while a core is to spare).
     * {@code sharedMemoryQuota}: bytes of shared memory one process may own.
     * {@code endpointQueue}: callers that may queue on one endpoint before {@code call} answers FULL.
     */
    public record Options(long spinNanos, long sharedMemoryQuota, int endpointQueue) {
        public static final Options DEFAULT = new Options(20_000L, 64L << 20, 1024);

        public Options {
            if (spinNanos < 0 || sharedMemoryQuota <= 0 || endpointQueue < 2) throw new IllegalArgumentException("bad IPC options");
        }

        public Options withSpinNanos(long nanos) {
            return new Options(nanos, sharedMemoryQuota, endpointQueue);
        }
    }

    private final CapabilitySpace space;
    private final Options options;
    private final IpcObjects objects = new IpcObjects();
    private final ServiceDirectory directory;
    private final ConcurrentHashMap<Integer, AtomicLong> sharedMemoryUse = new ConcurrentHashMap<>();
    private final LongAdder calls = new LongAdder();
    private final LongAdder[] failures = new LongAdder[Errno.values().length];
    private volatile LongConsumer callLatency;

    public IpcKernel(CapabilitySpace space, Options options) {
        this.space = space;
        this.options = options;
        this.directory = new ServiceDirectory(space);
        for (int i = 0; i < failures.length; i++) failures[i] = new LongAdder();
    }

    /** Makes an IPC kernel over {@code table}'s capability space and installs it there. */
    public static IpcKernel install(ProcessTable table) {
        return install(table, Options.DEFAULT);
    }

    public static IpcKernel install(ProcessTable table, Options options) {
        IpcKernel k = new IpcKernel(table.capabilitySpace(), options);
        table.installIpc(k);
        table.onExit(k::processExited);
        return k;
    }

    @Override
    public Ipc open(KoshProcess process) {
        return new ProcessIpc(this, process);
    }

    /** Forgets what an exited process registered (its capabilities were released already). */
    public void processExited(KoshProcess process) {
        directory.processExited(process.pid());
        sharedMemoryUse.remove(process.pid());
    }

    public CapabilitySpace space() {
        return space;
    }

    public Options options() {
        return options;
    }

    public IpcObjects objects() {
        return objects;
    }

    public ServiceDirectory directory() {
        return directory;
    }

    // ---- accounting (called by the system calls) -----------------------------------------------

    /** Registers a new object once its first capability exists; a failed creation leaves nothing behind. */
    public SysResult<Integer> track(KernelObject o, SysResult<Integer> created) {
        if (created.isOk()) objects.addLive(o);
        return created;
    }

    public boolean chargeSharedMemory(int pid, long bytes) {
        AtomicLong used = sharedMemoryUse.computeIfAbsent(pid, p -> new AtomicLong());
        long after = used.addAndGet(bytes);
        if (after > options.sharedMemoryQuota()) {
            used.addAndGet(-bytes);
            return false;
        }
        return true;
    }

    public void refundSharedMemory(int pid, long bytes) {
        AtomicLong used = sharedMemoryUse.get(pid);
        if (used != null) used.addAndGet(-bytes);
    }

    /** Bytes of shared memory {@code pid} owns now (charged against its quota), for {@code ipcstat} and tests. */
    public long sharedMemoryUsed(int pid) {
        AtomicLong used = sharedMemoryUse.get(pid);
        return used == null ? 0 : used.get();
    }

    public <T> SysResult<T> failed(SysResult<T> err) {
        if (err instanceof SysResult.Err<T> e) failures[e.errno().ordinal()].increment();
        return err;
    }

    /** Counts a call once it is queued (the caller does it while the server works). */
    public void countCall() {
        calls.increment();
    }

    /** A counted call's failure (by errno) and, for a sampled call, its latency. */
    public void recordCallOutcome(long startNanos, SysResult<?> result) {
        if (result instanceof SysResult.Err<?> e) failures[e.errno().ordinal()].increment();
        if (startNanos == 0) return; // not a sampled call
        LongConsumer l = callLatency;
        if (l != null) l.accept(System.nanoTime() - startNanos);
    }

    /**
     * Each process times one call in {@code LATENCY_SAMPLE_MASK + 1} (its first, then every 64th)
     * for {@code kosh.ipc.call.latency}: a pair of clock reads and a histogram update per call cost
     * more than a tenth of a busy-poll round trip; a 1-in-64 sample gives the same percentiles.
     * {@code startNanos} 0 means "not sampled".
     */
    public static final int LATENCY_SAMPLE_MASK = 63;

    /** Where call latencies go (nanoseconds); {@link IpcMetrics} sets it. */
    public void callLatency(LongConsumer sink) {
        callLatency = sink;
    }

    // ---- ipcstat -------------------------------------------------------------------------------

    /** One live IPC object, for {@code ipcstat}. {@code depth}/{@code capacity} are queued messages or calls (0 where it does not apply). */
    public record ObjectStat(long id, String type, String description, int capabilities, int depth, int capacity, long messages) {}

    public List<ObjectStat> stats() {
        List<ObjectStat> out = new ArrayList<>();
        for (KernelObject o : objects.snapshot()) {
            switch (o) {
                case Endpoint e -> out.add(new ObjectStat(e.id(), "endpoint", e.describe(), e.capabilityCount(), e.queued(), options.endpointQueue(), e.callsReceived()));
                case ChannelObject c -> out.add(new ObjectStat(c.id(), "channel", c.describe(), c.capabilityCount(), c.depth(), c.capacity(), c.sent()));
                case NotificationObject n -> out.add(new ObjectStat(n.id(), "notification", n.describe(), n.capabilityCount(), 0, 0, 0));
                case SharedRegion r -> out.add(new ObjectStat(r.id(), "shm", r.describe(), r.capabilityCount(), 0, 0, 0));
                default -> out.add(new ObjectStat(o.id(), o.type().name().toLowerCase(java.util.Locale.ROOT), o.describe(), o.capabilityCount(), 0, 0, 0));
            }
        }
        return out;
    }

    public long calls() {
        return calls.sum();
    }

    public long failures(Errno errno) {
        return failures[errno.ordinal()].sum();
    }

    /** Messages queued in every live channel. */
    public long channelDepthTotal() {
        long n = 0;
        for (KernelObject o : objects.snapshot()) if (o instanceof ChannelObject c) n += c.depth();
        return n;
    }

    /** The fullest live channel's depth. */
    public long channelDepthMax() {
        long n = 0;
        for (KernelObject o : objects.snapshot()) if (o instanceof ChannelObject c) n = Math.max(n, c.depth());
        return n;
    }

    public int liveObjects(String type) {
        int n = 0;
        for (ObjectStat s : stats()) if (s.type().equals(type)) n++;
        return n;
    }
}
