package dev.kosh.memory;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer gauges over a {@link PhysicalMemory}'s allocator. Every gauge reads a fresh
 * {@link MemoryStats} snapshot when the registry asks, so nothing on the allocation path
 * changes and nothing is counted twice. All counts are of 4 KiB frames or of buddy blocks.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>tags</th><th>value</th></tr>
 *   <tr><td>{@value #ARENA_FRAMES}</td><td></td><td>frames in the arena</td></tr>
 *   <tr><td>{@value #FRAMES}</td><td>{@code state} = free, allocated, reserved</td>
 *       <td>frames in each state; the three add up to the arena</td></tr>
 *   <tr><td>{@value #FREE_FRAMES_BY_ORDER}</td><td>{@code order} = 0..maxOrder</td>
 *       <td>free frames held in blocks of that order (blocks × 2^order); they add up to the free frames</td></tr>
 *   <tr><td>{@value #FREE_BLOCKS_BY_ORDER}</td><td>{@code order}</td>
 *       <td>free blocks of that order, as in {@code /proc/buddyinfo}</td></tr>
 * </table>
 *
 * <p>No name ends in {@code .total}: Prometheus reserves {@code _total} for counters.
 *
 * <p>Thread safety: {@link #bind} and {@link #close} from any thread; the registry may read
 * the gauges from any thread (each read takes the allocator's lock briefly). The gauges hold
 * the memory weakly, as Micrometer gauges do: once the memory is unreachable they read NaN.
 */
public final class MemoryMetrics implements AutoCloseable {

    /** Gauge: frames in the arena. */
    public static final String ARENA_FRAMES = "kosh.memory.arena.frames";
    /** Gauge, tag {@code state}: frames free, allocated or reserved. */
    public static final String FRAMES = "kosh.memory.frames";
    /** Gauge, tag {@code order}: free frames in blocks of that order. */
    public static final String FREE_FRAMES_BY_ORDER = "kosh.memory.free.frames";
    /** Gauge, tag {@code order}: free blocks of that order. */
    public static final String FREE_BLOCKS_BY_ORDER = "kosh.memory.free.blocks";

    private final MeterRegistry registry;
    private final List<Meter> meters;

    private MemoryMetrics(MeterRegistry registry, List<Meter> meters) {
        this.registry = registry;
        this.meters = List.copyOf(meters);
    }

    /**
     * Registers the memory gauges. Binding the same memory twice to one registry returns the
     * meters already there (Micrometer deduplicates by name and tags).
     *
     * @return a handle whose {@link #close} removes the gauges again
     */
    public static MemoryMetrics bind(PhysicalMemory memory, MeterRegistry registry) {
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(registry, "registry");
        List<Meter> meters = new ArrayList<>();
        meters.add(gauge(ARENA_FRAMES, "4 KiB frames in the physical memory arena", memory,
                m -> m.stats().totalFrames()).register(registry));
        meters.add(gauge(FRAMES, "4 KiB frames by state", memory,
                m -> m.stats().freeFrames()).tag("state", "free").register(registry));
        meters.add(gauge(FRAMES, "4 KiB frames by state", memory,
                m -> m.stats().allocatedFrames()).tag("state", "allocated").register(registry));
        meters.add(gauge(FRAMES, "4 KiB frames by state", memory,
                m -> m.stats().reservedFrames()).tag("state", "reserved").register(registry));
        for (int order = 0; order <= memory.maxOrder(); order++) {
            int k = order;
            String tag = Integer.toString(order);
            meters.add(gauge(FREE_FRAMES_BY_ORDER, "Free 4 KiB frames held in free blocks of one order",
                    memory, m -> m.stats().freeBlocks(k) << k).tag("order", tag).register(registry));
            meters.add(gauge(FREE_BLOCKS_BY_ORDER, "Free buddy blocks of one order (2^order frames each)",
                    memory, m -> m.stats().freeBlocks(k)).tag("order", tag).register(registry));
        }
        return new MemoryMetrics(registry, meters);
    }

    /** Counter, tag {@code type} = minor, major, cow: page faults resolved. */
    public static final String PAGE_FAULTS = "kosh.memory.page.faults";
    /** Counter, tag {@code direction} = in, out: pages moved between memory and swap. */
    public static final String SWAP_PAGES = "kosh.memory.swap.pages";
    /** Counter: contiguous requests satisfied by compaction. */
    public static final String COMPACTIONS = "kosh.memory.compactions";
    /** Counter: frames compaction migrated. */
    public static final String MIGRATED_FRAMES = "kosh.memory.compaction.migrated.frames";
    /** Counter: processes' spaces the out-of-memory policy took back. */
    public static final String OOM_KILLS = "kosh.memory.oom.kills";
    /** Counter: pages the pressure monitor swapped out ahead of need. */
    public static final String BACKGROUND_RECLAIM = "kosh.memory.swap.background.pages";
    /** Gauge, tag {@code state} = used, free: swap slots. */
    public static final String SWAP_SLOTS = "kosh.memory.swap.slots";

    /**
     * Registers the virtual memory's counters (page faults by type, swap in/out, compactions,
     * migrated frames, out-of-memory kills, background reclaim) and swap-slot gauges. Each read takes a fresh {@link VmStats}.
     */
    public static MemoryMetrics bind(VirtualMemory vm, MeterRegistry registry) {
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(registry, "registry");
        List<Meter> meters = new ArrayList<>();
        meters.add(counter(PAGE_FAULTS, "Page faults resolved", vm, s -> s.minorFaults()).tag("type", "minor").register(registry));
        meters.add(counter(PAGE_FAULTS, "Page faults resolved", vm, s -> s.majorFaults()).tag("type", "major").register(registry));
        meters.add(counter(PAGE_FAULTS, "Page faults resolved", vm, s -> s.copyOnWriteFaults()).tag("type", "cow").register(registry));
        meters.add(counter(SWAP_PAGES, "Pages moved to or from swap", vm, s -> s.swapIns()).tag("direction", "in").register(registry));
        meters.add(counter(SWAP_PAGES, "Pages moved to or from swap", vm, s -> s.swapOuts()).tag("direction", "out").register(registry));
        meters.add(counter(COMPACTIONS, "Contiguous allocations satisfied by compaction", vm, s -> s.compactions()).register(registry));
        meters.add(counter(MIGRATED_FRAMES, "Frames migrated by compaction", vm, s -> s.migratedFrames()).register(registry));
        meters.add(counter(OOM_KILLS, "Address spaces taken back by the out-of-memory policy", vm, s -> s.outOfMemoryKills()).register(registry));
        meters.add(counter(BACKGROUND_RECLAIM, "Pages swapped out by the pressure monitor", vm, s -> s.backgroundReclaims()).register(registry));
        meters.add(Gauge.builder(SWAP_SLOTS, vm, v -> v.stats().swapSlotsUsed()).description("Swap slots")
                .tag("state", "used").register(registry));
        meters.add(Gauge.builder(SWAP_SLOTS, vm, v -> v.stats().swapSlots() - v.stats().swapSlotsUsed())
                .description("Swap slots").tag("state", "free").register(registry));
        return new MemoryMetrics(registry, meters);
    }

    private static io.micrometer.core.instrument.FunctionCounter.Builder<VirtualMemory> counter(
            String name, String description, VirtualMemory vm, ToDoubleFunction<VmStats> value) {
        return io.micrometer.core.instrument.FunctionCounter.builder(name, vm, v -> value.applyAsDouble(v.stats()))
                .description(description);
    }

    private static Gauge.Builder<PhysicalMemory> gauge(String name, String description,
                                                       PhysicalMemory memory, ToDoubleFunction<PhysicalMemory> value) {
        return Gauge.builder(name, memory, value).description(description);
    }

    /** The gauges this binding registered. */
    public List<Meter> meters() {
        return meters;
    }

    /** Removes the gauges from the registry. Idempotent. */
    @Override
    public void close() {
        for (Meter meter : meters) {
            registry.remove(meter);
        }
    }
}
