package dev.kosh.memory;

/**
 * One line of {@code pmap}: a region and how much of it is in memory.
 *
 * @param region        the region
 * @param residentPages pages backed by a frame
 * @param sharedPages   resident pages whose frame another mapping shares (copy-on-write)
 * @param swappedPages  pages in swap
 */
public record PmapEntry(Region region, long residentPages, long sharedPages, long swappedPages) {}
