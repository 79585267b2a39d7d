package dev.kosh.api;

/**
 * A process's own memory, in 4 KiB pages ({@link Memory#usage}).
 *
 * @param residentPages pages backed by a frame
 * @param swappedPages  pages in swap
 * @param tablePages    page-table frames
 * @param frameQuota    the most frames (resident pages plus page tables) the process may hold
 * @param swapQuota     the most pages it may have in swap
 * @param heapBreak     the current program break
 */
public record MemoryUsage(long residentPages, long swappedPages, long tablePages, long frameQuota, long swapQuota,
                          long heapBreak) {}
