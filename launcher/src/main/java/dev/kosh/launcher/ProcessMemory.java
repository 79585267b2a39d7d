package dev.kosh.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import dev.kosh.api.Memory;
import dev.kosh.api.Signal;
import dev.kosh.kernel.config.MemoryQuota;
import dev.kosh.kernel.journal.Journal;
import dev.kosh.kernel.metrics.KernelMetrics;
import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.kernel.process.MemoryService;
import dev.kosh.kernel.process.ProcessTable;
import dev.kosh.memory.MemoryMetrics;
import dev.kosh.memory.OutOfMemoryVictim;
import dev.kosh.memory.PhysicalMemory;
import dev.kosh.memory.ReserveResult;
import dev.kosh.memory.SpaceResult;
import dev.kosh.memory.SwapBackend;
import dev.kosh.memory.VirtualAddressSpace;
import dev.kosh.memory.VirtualMemory;
import dev.kosh.memory.VmConfig;
import dev.kosh.memory.VmStats;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * One {@link VirtualAddressSpace} per process, from one {@link VirtualMemory} over the kernel's
 * {@link PhysicalMemory}: created when the process table spawns a process, closed (every frame,
 * page table and swap slot back to the allocator) when it reaps it. Also the VM meters and the
 * per-process resident/swapped gauges.
 *
 * <p>Each space starts with a stack ({@value #STACK_BYTES} bytes below the layout's stack top,
 * guard page below it) reserved and an empty heap (the break at the heap base; {@code brk} grows
 * it); reserving allocates nothing, so a new process costs one frame (its PML4) until it touches
 * memory. Each space's frame and swap quotas are its section's of {@code system.conf}
 * ({@link MemoryQuota}). The process reaches its space through {@code ctx.memory()}
 * ({@link ProcessMemoryCalls}, installed as the table's {@link MemoryService}).
 *
 * <p>The out-of-memory policy: when a fault finds no frame, nothing can be swapped out and its own
 * space cannot make room, the VM names the largest space (resident + swapped pages); this class
 * journals why and kills its process (never init), and the VM takes the space back at once.
 *
 * <p>Holds no {@link KoshProcess}: spaces and meters are keyed by pid, so a reaped process is
 * unreachable from here. Listener failures are journaled, never thrown into the process table.
 *
 * <p>Thread safety: any thread (spawn, reap, shell, metrics scrape).
 */
final class ProcessMemory implements MemoryService, AutoCloseable {
    /** The stack reserved in every new space: 8 MiB, as Linux's default limit. */
    static final long STACK_BYTES = 8L << 20;
    /**
     * FileChannel, not io_uring: swap-in is one synchronous read per fault, and io_uring hands
     * buffered file reads to its worker threads; FileChannel measured 5–20× faster on this host
     * (SwapBenchmark, docs/memory.md).
     */
    static final SwapBackend SWAP_BACKEND = SwapBackend.FILE_CHANNEL;
    /** Swap slots (4 KiB each) of the swap file: 16 MiB. */
    static final int SWAP_SLOTS = 4096;
    /** Per-process gauge, tags {@code pid}, {@code name}: pages backed by a frame. */
    static final String RESIDENT_PAGES = "kosh.process.memory.resident.pages";
    /** Per-process gauge, tags {@code pid}, {@code name}: pages in swap. */
    static final String SWAPPED_PAGES = "kosh.process.memory.swapped.pages";

    private final VirtualMemory vm;
    private final Journal journal;
    private final KernelMetrics metrics;
    private final Path swapFile;
    private final Map<Integer, Entry> spaces = new ConcurrentHashMap<>();
    private volatile MemoryMetrics vmMetrics;
    private volatile ProcessTable table;
    /** kswapd: swaps cold pages out when free frames fall below the low watermark, up to the high one. */
    private Thread pressureMonitor;
    private long lowWatermark;
    private long highWatermark;
    private volatile Function<KoshProcess, MemoryQuota> quotas = p -> MemoryQuota.DEFAULT;

    /** A process's space and its gauges; {@code closed} and {@code meters} are guarded by the entry. */
    private static final class Entry {
        final VirtualAddressSpace space;
        final String name;
        final List<Meter> meters = new ArrayList<>(2);
        MeterRegistry registry;
        boolean closed;

        Entry(VirtualAddressSpace space, String name) {
            this.space = space;
            this.name = name;
        }
    }

    private ProcessMemory(VirtualMemory vm, Path swapFile, Journal journal, KernelMetrics metrics) {
        this.vm = vm;
        this.swapFile = swapFile;
        this.journal = journal;
        this.metrics = metrics;
    }

    /**
     * The VM over {@code memory}, with a swap file {@code swapDir/vm.swap} of {@value #SWAP_SLOTS}
     * slots (deleted when closed), read and written with {@link #SWAP_BACKEND}. Binds the VM meters when the registry is attached.
     */
    static ProcessMemory create(PhysicalMemory memory, Path swapDir, Journal journal, KernelMetrics metrics) throws IOException {
        Files.createDirectories(swapDir);
        Path swapFile = swapDir.resolve("vm.swap");
        VirtualMemory vm = VirtualMemory.create(memory,
                VmConfig.defaults().withSwap(swapFile, SWAP_SLOTS, null).withSwapBackend(SWAP_BACKEND));
        ProcessMemory pm = new ProcessMemory(vm, swapFile, journal, metrics);
        vm.setOutOfMemoryHandler(pm::outOfMemory);
        pm.startPressureMonitor(memory.stats().freeFrames());
        metrics.whenAttached(r -> pm.vmMetrics = MemoryMetrics.bind(vm, r));
        return pm;
    }

    /**
     * Watermarks at 1% and 2% of the free frames (at least 16 and 32), as Linux's min/high, and a
     * daemon thread that waits for the low one to be crossed and reclaims up to the high one, so
     * faults seldom have to swap out synchronously. It ends when the VM closes.
     */
    private void startPressureMonitor(long freeFrames) {
        lowWatermark = Math.max(16, freeFrames / 100);
        highWatermark = Math.max(32, freeFrames / 50);
        vm.setWatermarks(lowWatermark, highWatermark);
        pressureMonitor = Thread.ofPlatform().daemon().name("kosh-kswapd").start(() -> {
            try {
                while (true) {
                    if (vm.awaitPressure(java.time.Duration.ofSeconds(5))) vm.reclaimToHighWatermark();
                }
            } catch (InterruptedException | IllegalStateException halt) {
                // close() stops the monitor; the VM closing ends it too
            } catch (RuntimeException e) {
                journal.error("memory", "the pressure monitor stopped: " + e);
            }
        });
    }

    /** What the boot line says. */
    String describe() {
        return "virtual memory: quotas from system.conf (default " + MemoryQuota.DEFAULT.describe() + "), "
                + ((long) SWAP_SLOTS * PhysicalMemory.FRAME_SIZE >> 20) + " MiB swap, " + vm.swapDevice().replace(" on " + swapFile, "");
    }

    /** {@link #attach(ProcessTable, Function)} with the built-in quota for every process. */
    void attach(ProcessTable table) {
        attach(table, p -> MemoryQuota.DEFAULT);
    }

    /**
     * Gives every process spawned from now on a space with the quota {@code quotas} names for it,
     * closes it when the process is reaped, and installs the memory system calls.
     */
    void attach(ProcessTable table, Function<KoshProcess, MemoryQuota> quotas) {
        this.quotas = quotas;
        this.table = table;
        table.onSpawn(this::spawned);
        table.onReap(this::reaped);
        table.installMemory(this);
    }

    /** The memory system calls of {@code process} (the table calls this on its first {@code ctx.memory()}). */
    @Override
    public Memory open(KoshProcess process) {
        return new ProcessMemoryCalls(process, this);
    }

    /**
     * The VM's out-of-memory policy, under its lock: journal the decision and kill the victim's
     * process from another thread (the kill must not wait on the VM lock held here). Init is never
     * killed: its fault (or the faulting process's) fails instead.
     */
    private boolean outOfMemory(OutOfMemoryVictim victim) {
        Integer pid = null;
        String name = "?";
        String requester = "space " + victim.requesterId();
        for (Map.Entry<Integer, Entry> e : spaces.entrySet()) {
            long id = e.getValue().space.id();
            if (id == victim.spaceId()) {
                pid = e.getKey();
                name = e.getValue().name;
            }
            if (id == victim.requesterId()) requester = "pid " + e.getKey() + " (" + e.getValue().name + ")";
        }
        String sizes = victim.residentPages() + " resident + " + victim.swappedPages() + " swapped pages, the largest of "
                + victim.spaces() + " address spaces";
        if (pid == null || pid == ProcessTable.INIT_PID || table == null) {
            journal.error("memory", "out of memory (no free frame, no swap slot) on a fault of " + requester + "; the largest, "
                    + (pid == null ? "space " + victim.spaceId() : "pid " + pid + " (" + name + ")") + " with " + sizes
                    + ", is not killed: the fault fails");
            return false;
        }
        journal.error("memory", "out of memory (no free frame, no swap slot) on a fault of " + requester + ": killing pid "
                + pid + " (" + name + "), " + sizes);
        int victimPid = pid;
        ProcessTable t = table;
        Thread.ofVirtual().name("oom-kill-" + victimPid).start(() -> t.signal(victimPid, Signal.KILL, "kernel (out of memory)"));
        return true;
    }

    private void spawned(KoshProcess p) {
        int pid = p.pid();
        String name = p.name();
        try {
            MemoryQuota quota = quotas.apply(p);
            VirtualAddressSpace space = switch (vm.newSpace(quota.frames())) {
                case SpaceResult.Created c -> c.space();
                case SpaceResult.OutOfMemory o -> null;
            };
            if (space == null) {
                journal.warn("memory", "pid " + pid + " (" + name + "): no frame for its page tables; it has no address space");
                return;
            }
            space.setSwapQuota(quota.swapPages());
            reserveDefaults(pid, name, space);
            Entry entry = new Entry(space, name);
            Entry old = spaces.put(pid, entry);
            if (old != null) close(pid, old); // cannot happen (pids are not reused while in the table)
            metrics.whenAttached(r -> register(entry, r, pid, name));
        } catch (RuntimeException e) {
            journal.error("memory", "pid " + pid + " (" + name + "): creating its address space failed: " + e);
        }
    }

    private void reserveDefaults(int pid, String name, VirtualAddressSpace space) {
        if (!(space.reserveStack(STACK_BYTES) instanceof ReserveResult.Reserved)) {
            journal.warn("memory", "pid " + pid + " (" + name + "): stack not reserved");
        }
    }

    private static void register(Entry entry, MeterRegistry r, int pid, String name) {
        synchronized (entry) {
            if (entry.closed) return; // reaped before the registry was attached
            String tag = Integer.toString(pid);
            // The gauges hold the space weakly (Micrometer's default) and never the process.
            entry.meters.add(Gauge.builder(RESIDENT_PAGES, entry.space, ProcessMemory::resident)
                    .description("Pages of a process backed by a frame").tag("pid", tag).tag("name", name).register(r));
            entry.meters.add(Gauge.builder(SWAPPED_PAGES, entry.space, ProcessMemory::swapped)
                    .description("Pages of a process in swap").tag("pid", tag).tag("name", name).register(r));
            entry.registry = r;
        }
    }

    private static double resident(VirtualAddressSpace s) {
        try {
            return s.residentPages();
        } catch (IllegalStateException closed) {
            return Double.NaN;
        }
    }

    private static double swapped(VirtualAddressSpace s) {
        try {
            return s.swappedPages();
        } catch (IllegalStateException closed) {
            return Double.NaN;
        }
    }

    private void reaped(KoshProcess p) {
        Entry entry = spaces.remove(p.pid());
        if (entry != null) close(p.pid(), entry);
    }

    private void close(int pid, Entry entry) {
        synchronized (entry) {
            entry.closed = true;
            if (entry.registry != null) entry.meters.forEach(entry.registry::remove);
            entry.meters.clear();
        }
        try {
            entry.space.close();
        } catch (RuntimeException e) {
            journal.error("memory", "pid " + pid + ": closing its address space failed: " + e);
        }
    }

    /** The space of a live (spawned, not yet reaped) process. */
    Optional<VirtualAddressSpace> space(int pid) {
        Entry e = spaces.get(pid);
        return e == null ? Optional.empty() : Optional.of(e.space);
    }

    /** Spaces currently open. */
    int size() {
        return spaces.size();
    }

    VmStats stats() {
        return vm.stats();
    }

    /** The VM counters as {@code meminfo} prints them, after the physical memory's lines. */
    String formatStats() {
        VmStats s = vm.stats();
        StringBuilder out = new StringBuilder(256);
        out.append(String.format("%-14s %d%n", "Spaces:", spaces.size()));
        out.append(String.format("%-14s %d minor, %d major, %d cow; %d signals%n", "PageFaults:",
                s.minorFaults(), s.majorFaults(), s.copyOnWriteFaults(), s.signals()));
        out.append(String.format("%-14s %d of %d slots used (%s); %d out, %d in, %d cache hits%n", "Swap:",
                s.swapSlotsUsed(), s.swapSlots(), swapFile, s.swapOuts(), s.swapIns(), s.swapCacheHits()));
        out.append(String.format("%-14s %d, %d frames migrated%n", "Compactions:", s.compactions(), s.migratedFrames()));
        out.append(String.format("%-14s %d processes killed%n", "OutOfMemory:", s.outOfMemoryKills()));
        out.append(String.format("%-14s %d pages swapped out ahead of need (watermarks %d / %d free frames)%n", "Kswapd:",
                s.backgroundReclaims(), lowWatermark, highWatermark));
        return out.toString();
    }

    /** Closes every space still open (processes never reaped, init), the VM meters, then the VM (deletes the swap file). */
    @Override
    public void close() throws IOException {
        for (Integer pid : List.copyOf(spaces.keySet())) {
            Entry e = spaces.remove(pid);
            if (e != null) close(pid, e);
        }
        MemoryMetrics m = vmMetrics;
        if (m != null) m.close();
        Thread monitor = pressureMonitor;
        if (monitor != null) {
            monitor.interrupt();
            try {
                monitor.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        vm.close();
    }
}
