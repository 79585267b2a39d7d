package dev.kosh.memory.internal;

import dev.kosh.memory.spi.SwapAlgorithm;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * CLOCK (second chance): the resident pages stand in a ring; the hand clears the accessed bit
 * of a used page and moves on, and takes the first page whose bit was already clear. Shared
 * pages are passed over. Removal is lazy (a sweep drops stale slots once they outnumber the live ones, since without pressure the hand never runs): each page carries a generation, and a ring slot whose
 * generation is stale is dropped when the hand reaches it, so every call is O(1) amortised.
 *
 * <p>Not thread-safe: the virtual memory's lock guards it.
 */
public final class ClockSwapAlgorithm implements SwapAlgorithm {

    private record Slot(Page page, long generation) {}

    /** Stale slots tolerated beyond the live count before a sweep: keeps sweeps rare for small rings. */
    private static final int SWEEP_SLACK = 1024;

    private final ArrayDeque<Slot> ring = new ArrayDeque<>();
    private final Map<Page, Long> live = new HashMap<>();
    private long generation;

    @Override
    public void resident(Page page) {
        long g = ++generation;
        live.put(page, g);
        ring.addLast(new Slot(page, g));
        // Without memory pressure the hand never runs, so stale slots (pages unmapped or remapped
        // since) would pile up for ever: sweep them once they outnumber the live ones.
        if (ring.size() > 2 * live.size() + SWEEP_SLACK) {
            ring.removeIf(slot -> {
                Long current = live.get(slot.page());
                return current == null || current != slot.generation();
            });
        }
    }

    /** Slots in the ring, stale ones included (for tests). */
    int ringSize() {
        return ring.size();
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
