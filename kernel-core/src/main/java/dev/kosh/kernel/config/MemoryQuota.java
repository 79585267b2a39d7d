package dev.kosh.kernel.config;

/**
 * The memory quotas of one process (docs/memory.md, "Quotas"): {@code memory.quota} and
 * {@code swap.quota} of its {@code [service]} or {@code [driver]} section, else of {@code [kernel]}.
 *
 * @param frames    4 KiB frames its address space may hold (resident pages plus page tables); at
 *                  the quota a fault first swaps one of the process's own pages out
 * @param swapPages pages it may have in swap; with both full, a fault is QUOTA_EXCEEDED
 */
public record MemoryQuota(long frames, long swapPages) {
    /** 64 MiB of frames, 16 MiB of swap (the default swap file's size). */
    public static final MemoryQuota DEFAULT = new MemoryQuota(16_384, 4_096);
    /** The smallest frame quota: the four tables of one page's path, and the page. */
    public static final long MIN_FRAMES = 5;

    public MemoryQuota {
        if (frames < MIN_FRAMES || swapPages < 0) {
            throw new IllegalArgumentException("memory quota of " + frames + " frames (at least " + MIN_FRAMES
                    + ") and " + swapPages + " swap pages");
        }
    }

    /** {@code 64M memory, 16M swap}, for the journal. */
    public String describe() {
        return (frames * 4096 >> 20) + "M memory, " + (swapPages * 4096 >> 20) + "M swap";
    }
}
