package dev.kosh.driver.api;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A physically contiguous DMA buffer: {@code busAddress} is what the device is programmed with
 * (the physical address of its first frame), {@code memory} the driver's view of the same bytes.
 * Its length is a power-of-two number of frames at least as large as asked for.
 */
public record DmaBuffer(int device, long busAddress, MemorySegment memory) {
    public DmaBuffer {
        Objects.requireNonNull(memory, "memory");
    }

    public long length() {
        return memory.byteSize();
    }
}
