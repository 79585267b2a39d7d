package dev.kosh.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class MemoryMetricsTest {

    private static double gauge(SimpleMeterRegistry registry, String name, String tag, String value) {
        return registry.get(name).tag(tag, value).gauge().value();
    }

    @Test
    void gaugesFollowTheAllocatorFrameByFrameAndOrderByOrder() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (PhysicalMemory memory = PhysicalMemory.create(8L << 20, List.of(MemoryRange.reserved(0, 8192)));
             MemoryMetrics metrics = MemoryMetrics.bind(memory, registry)) {
            assertEquals(4 + 2 * 11, metrics.meters().size());
            assertEquals(2048, registry.get(MemoryMetrics.ARENA_FRAMES).gauge().value());
            assertEquals(2, gauge(registry, MemoryMetrics.FRAMES, "state", "reserved"));
            assertEquals(2046, gauge(registry, MemoryMetrics.FRAMES, "state", "free"));
            assertEquals(0, gauge(registry, MemoryMetrics.FRAMES, "state", "allocated"));

            // Frames 0-1 are reserved: the first order-0 allocation splits the order-1 block 2-3.
            long pa = assertInstanceOf(AllocResult.Allocated.class, memory.allocate(0)).physicalAddress();
            assertEquals(2045, gauge(registry, MemoryMetrics.FRAMES, "state", "free"));
            assertEquals(1, gauge(registry, MemoryMetrics.FRAMES, "state", "allocated"));
            assertEquals(1, gauge(registry, MemoryMetrics.FREE_BLOCKS_BY_ORDER, "order", "0"));
            assertEquals(0, gauge(registry, MemoryMetrics.FREE_BLOCKS_BY_ORDER, "order", "1"));
            assertEquals(1, gauge(registry, MemoryMetrics.FREE_BLOCKS_BY_ORDER, "order", "10"));
            assertEquals(1024, gauge(registry, MemoryMetrics.FREE_FRAMES_BY_ORDER, "order", "10"));
            assertEquals(256, gauge(registry, MemoryMetrics.FREE_FRAMES_BY_ORDER, "order", "8"));
            double sum = 0;
            for (int order = 0; order <= memory.maxOrder(); order++) {
                sum += gauge(registry, MemoryMetrics.FREE_FRAMES_BY_ORDER, "order", Integer.toString(order));
            }
            assertEquals(2045, sum, "free frames by order add up to the free frames");

            memory.free(pa, 0);
            assertEquals(2046, gauge(registry, MemoryMetrics.FRAMES, "state", "free"));
            assertEquals(0, gauge(registry, MemoryMetrics.FREE_BLOCKS_BY_ORDER, "order", "0"));
        }
    }

    @Test
    void closingTheBindingRemovesEveryGauge() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (PhysicalMemory memory = PhysicalMemory.create(1L << 20, 3, List.of())) {
            MemoryMetrics metrics = MemoryMetrics.bind(memory, registry);
            assertEquals(4 + 2 * 4, registry.getMeters().size());
            metrics.close();
            metrics.close();
            assertEquals(0, registry.getMeters().size());
            assertNull(registry.find(MemoryMetrics.FRAMES).gauge());
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void virtualMemoryCountersFollowFaultsAndUnbindRemovesThem() throws java.io.IOException {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (PhysicalMemory memory = PhysicalMemory.create(4L << 20, java.util.List.of());
             VirtualMemory vm = VirtualMemory.create(memory, VmConfig.defaults());
             MemoryMetrics metrics = MemoryMetrics.bind(vm, registry);
             VirtualAddressSpace s = ((SpaceResult.Created) vm.newSpace()).space()) {
            s.reserve(0x4000_0000L, 2 * 4096, RegionKind.HEAP, Protection.USER_READ_WRITE);
            s.write(0x4000_0000L, new byte[5000]);
            assertEquals(2, registry.get(MemoryMetrics.PAGE_FAULTS).tag("type", "minor").functionCounter().count());
            assertEquals(0, registry.get(MemoryMetrics.PAGE_FAULTS).tag("type", "major").functionCounter().count());
            assertEquals(0, registry.get(MemoryMetrics.SWAP_PAGES).tag("direction", "out").functionCounter().count());
            assertEquals(0, registry.get(MemoryMetrics.SWAP_SLOTS).tag("state", "free").gauge().value());
            assertEquals(0, registry.get(MemoryMetrics.OOM_KILLS).functionCounter().count());
            assertEquals(0, registry.get(MemoryMetrics.BACKGROUND_RECLAIM).functionCounter().count());
            assertEquals(11, metrics.meters().size());
            metrics.close();
            assertEquals(null, registry.find(MemoryMetrics.PAGE_FAULTS).meter());
        }
    }
}
