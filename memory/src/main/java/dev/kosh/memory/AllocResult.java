package dev.kosh.memory;

/**
 * How a frame allocation ended. Switch over it exhaustively: every case is a way the
 * allocation can end, and there is no other.
 */
public sealed interface AllocResult {

    /**
     * {@code 2^order} physically contiguous frames starting at {@code physicalAddress},
     * which is aligned to the block size ({@code 4096 << order}). The frames are not zeroed.
     */
    record Allocated(long physicalAddress, int order) implements AllocResult {
        /** The block size in bytes. */
        public long bytes() {
            return PhysicalMemory.FRAME_SIZE << order;
        }
    }

    /**
     * No free block of {@code order} or larger. {@code largestFreeOrder} is the largest order
     * still available, or -1 when no frame at all is free.
     */
    record OutOfMemory(int order, int largestFreeOrder) implements AllocResult {}

    /** {@code order} is outside {@code 0..maxOrder}. */
    record InvalidOrder(int order, int maxOrder) implements AllocResult {}
}
