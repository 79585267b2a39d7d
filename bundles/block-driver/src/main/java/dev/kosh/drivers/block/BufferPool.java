package dev.kosh.drivers.block;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

import dev.kosh.driver.api.BlockDevice;

/**
 * The block driver's transfer buffers, reused: direct buffers aligned for the device are costly
 * to make (a native allocation and zeroing each), and a busy driver would otherwise make one per
 * request. Buffers come in power-of-two block counts; at most {@link #KEPT_BYTES} are kept free,
 * the rest go to the garbage collector.
 */
final class BufferPool {
    /** Free buffers kept, in all sizes together: 32 one-block buffers and a few large ones. */
    static final int KEPT_BYTES = 4 << 20;

    private final BlockDevice device;
    private final int blockSize;
    /** Free buffers by order: {@code free[k]} holds buffers of 2^k blocks. */
    private final ArrayDeque<ByteBuffer>[] free;
    private long keptBytes;

    @SuppressWarnings("unchecked")
    BufferPool(BlockDevice device, int blockSize) {
        this.device = device;
        this.blockSize = blockSize;
        free = new ArrayDeque[Integer.SIZE];
        for (int k = 0; k < free.length; k++) free[k] = new ArrayDeque<>();
    }

    /** A buffer of at least {@code blocks} blocks, limited to exactly that many (its position 0). */
    ByteBuffer take(int blocks) {
        int order = Integer.SIZE - Integer.numberOfLeadingZeros(Math.max(1, blocks) - 1);
        ByteBuffer b = free[order].pollFirst();
        if (b != null) {
            keptBytes -= b.capacity();
        } else {
            b = device.allocate(1 << order);
        }
        return b.clear().limit(blocks * blockSize);
    }

    /** Gives {@code b} back once no operation uses it. */
    void give(ByteBuffer b) {
        if (keptBytes + b.capacity() > KEPT_BYTES) return;
        int order = Integer.numberOfTrailingZeros(b.capacity() / blockSize);
        free[order].addFirst(b);
        keptBytes += b.capacity();
    }
}
