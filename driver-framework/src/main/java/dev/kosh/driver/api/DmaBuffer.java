package dev.kosh.driver.api;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A physically contiguous DMA buffer: {@code busAddress} is what the device is programmed with
 * (the physical address of its first frame), {@code memory} the kernel's view of the same bytes.
 * Its length is a power-of-two number of frames at least as large as asked for.
 *
 * <p>Driver bundles read and write the buffer through {@link #bytes()}: the verifier refuses
 * {@code java.lang.foreign} in driver code (docs/isolation.md), so {@code memory} is usable only by
 * kernel code.
 */
public record DmaBuffer(int device, long busAddress, MemorySegment memory) {
    public DmaBuffer {
        Objects.requireNonNull(memory, "memory");
    }

    public long length() {
        return memory.byteSize();
    }

    /**
     * A new little-endian (the device's byte order on x86-64 and arm64) direct {@code ByteBuffer}
     * over the whole buffer, position 0, limit {@link #length()}. It lives as long as the buffer:
     * once the buffer is released, or its driver instance has ended, every access through it throws
     * {@code IllegalStateException}, so a kept view never reaches frames given to someone else.
     */
    public ByteBuffer bytes() {
        return memory.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }
}
