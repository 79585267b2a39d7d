package dev.kosh.memory;

/**
 * The space the out-of-memory policy chose: the largest by resident + swapped pages.
 *
 * @param spaceId       the victim's {@link VirtualAddressSpace#id()}
 * @param residentPages its pages backed by a frame
 * @param swappedPages  its pages in swap
 * @param requesterId   the space whose fault found no memory (may be the victim itself)
 * @param spaces        live spaces the choice was made among
 */
public record OutOfMemoryVictim(long spaceId, long residentPages, long swappedPages, long requesterId, int spaces) {

    /** What the policy ranks by. */
    public long pages() {
        return residentPages + swappedPages;
    }
}
