package dev.kosh.memory.spi;

/**
 * Chooses which resident page goes to swap under memory pressure. The virtual memory tells it
 * which pages are resident; it answers with a victim.
 *
 * <p>Thread safety: called only under the virtual memory's lock, so implementations need none.
 */
public interface SwapAlgorithm {

    /** A page of a space: the unit the algorithm tracks. */
    record Page(long spaceId, long virtualAddress) {}

    /** What the algorithm may ask about a page. */
    interface Probe {
        /** Reads and clears the page's accessed bit. */
        boolean testAndClearAccessed(Page page);

        /** Whether the page can go to swap now (resident, not shared). */
        boolean evictable(Page page);
    }

    /** The page became resident. */
    void resident(Page page);

    /** The page is no longer resident (unmapped, swapped out by someone else, its space closed). */
    void removed(Page page);

    /**
     * A page to evict, which the algorithm stops tracking, or null when none is evictable.
     * Must end: at most a few passes over the pages it tracks.
     */
    Page victim(Probe probe);

    /** Pages tracked. */
    int size();
}
