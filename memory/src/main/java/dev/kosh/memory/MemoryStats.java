package dev.kosh.memory;

import java.util.List;

/**
 * A consistent snapshot of the frame allocator, taken under its lock.
 *
 * @param totalFrames        frames in the arena
 * @param reservedFrames     frames the boot memory map reserved (never handed out)
 * @param freeFrames         frames on the free lists
 * @param maxOrder           the largest block order the allocator manages
 * @param freeBlocksByOrder  free blocks of each order, index = order, {@code maxOrder + 1} entries
 * @param largestFreeOrder   the largest order with a free block, -1 when nothing is free
 */
public record MemoryStats(long totalFrames, long reservedFrames, long freeFrames, int maxOrder,
                          List<Long> freeBlocksByOrder, int largestFreeOrder) {

    public MemoryStats {
        freeBlocksByOrder = List.copyOf(freeBlocksByOrder);
        if (freeBlocksByOrder.size() != maxOrder + 1) {
            throw new IllegalArgumentException(
                    "expected " + (maxOrder + 1) + " per-order counts, got " + freeBlocksByOrder.size());
        }
    }

    /** Frames handed out and not yet freed. */
    public long allocatedFrames() {
        return totalFrames - reservedFrames - freeFrames;
    }

    /** Free blocks of one order. */
    public long freeBlocks(int order) {
        return freeBlocksByOrder.get(order);
    }

    /**
     * The text of the {@code meminfo} shell command: sizes in kB as in Linux's
     * {@code /proc/meminfo}, then free blocks per order as in {@code /proc/buddyinfo}.
     */
    public String format() {
        long kb = PhysicalMemory.FRAME_SIZE / 1024;
        StringBuilder out = new StringBuilder(256);
        line(out, "MemTotal:", totalFrames * kb, totalFrames);
        line(out, "MemFree:", freeFrames * kb, freeFrames);
        line(out, "MemUsed:", allocatedFrames() * kb, allocatedFrames());
        line(out, "MemReserved:", reservedFrames * kb, reservedFrames);
        out.append("FreeBlocks:    ");
        for (int order = 0; order <= maxOrder; order++) {
            out.append(' ').append(order).append(':').append(freeBlocksByOrder.get(order));
        }
        out.append('\n');
        out.append("LargestFree:   ");
        if (largestFreeOrder < 0) {
            out.append("none\n");
        } else {
            out.append("order ").append(largestFreeOrder).append(" (")
               .append((PhysicalMemory.FRAME_SIZE << largestFreeOrder) / 1024).append(" kB)\n");
        }
        return out.toString();
    }

    private static void line(StringBuilder out, String label, long kilobytes, long frames) {
        out.append(String.format("%-14s %10d kB  %8d frames%n", label, kilobytes, frames));
    }
}
