package dev.kosh.driver.api;

import java.util.Objects;

/**
 * How a driver gets DMA buffers for its own devices: physically contiguous memory that a device
 * can be given the bus address of. Buffers an instance did not release are freed when it ends
 * (a restarted instance allocates its own).
 */
public interface DmaAccess {

    /** A buffer of at least {@code bytes} for the driver's {@code device}-th device. */
    Dma allocate(int device, long bytes);

    /** Gives a buffer back; false if it is not one of this driver's live buffers. */
    boolean release(DmaBuffer buffer);

    /** The outcome: the buffer, or why not (no such device, no DMA memory, out of memory). */
    sealed interface Dma {
        record Allocated(DmaBuffer buffer) implements Dma {
            public Allocated {
                Objects.requireNonNull(buffer, "buffer");
            }
        }

        record Refused(String reason) implements Dma {
            public Refused {
                Objects.requireNonNull(reason, "reason");
            }
        }
    }

    /** For drivers bound to no device. */
    DmaAccess NONE = new DmaAccess() {
        public Dma allocate(int device, long bytes) {
            return new Dma.Refused("the driver was bound to no device");
        }

        public boolean release(DmaBuffer buffer) {
            return false;
        }
    };
}
