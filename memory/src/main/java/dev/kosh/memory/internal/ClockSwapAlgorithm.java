package dev.kosh.memory.internal;

import dev.kosh.memory.spi.SwapAlgorithm;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * CLOCK (second chance): the resident pages stand in a ring; the hand clears the accessed bit
 * of a used page and moves on, and takes the first page whose bit was already clear. Shared
 * pages are passed over. Removal is lazy: each page carries a generation, and a ring slot whose
 * generation is stale is dropped when the hand reaches it, so every call is O(1) amortised.
 *
 * <p>Not thread-safe: the virtual memory's lock guards it.
 */
public final class ClockSwapAlgorithm implements SwapAlgorithm {

    private record Slot(Page page, long generation) {}

    private final ArrayDeque<Slot> ring = new ArrayDeque<>();
    private final Map<Page, Long> live = new HashMap<>();
    private long generation;

    @Override
    public void resident(Page page) {
        long g = ++generation;
        live.put(page, g);
        ring.addLast(new Slot(page, g));
    }

    @Override
    public void removed(Page page) {
        live.remove(page);
    }

    @Override
    public Page victim(Probe probe) {
        // Two passes clear every accessed bit, so a third finds a victim if any page is evictable.
        long budget = 3L * ring.size() + 1;
        while (budget-- > 0 && !ring.isEmpty()) {
            Slot slot = ring.pollFirst();
            Long current = live.get(slot.page());
            if (current == null || current != slot.generation()) {
                continue;
            }
            if (!probe.evictable(slot.page()) || probe.testAndClearAccessed(slot.page())) {
                ring.addLast(slot);
                continue;
            }
            live.remove(slot.page());
            return slot.page();
        }
        return null;
    }

    @Override
    public int size() {
        return live.size();
    }
}
