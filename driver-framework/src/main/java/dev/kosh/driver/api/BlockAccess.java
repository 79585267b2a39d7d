package dev.kosh.driver.api;

import java.util.Objects;

/**
 * How a block driver reaches the block devices it was granted. The kernel opens the backing (a
 * file or a device node named in the driver's configuration) and sets up its io_uring ring; the
 * driver names a device only by its position among its grants, never by a path, so it cannot open
 * anything it was not given.
 */
@FunctionalInterface
public interface BlockAccess {

    /**
     * Opens the {@code index}-th granted device. The driver closes it in {@code cleanup()}; opening
     * it again (a restarted instance) first closes what an earlier instance left open.
     */
    Grant open(int index);

    /** How many block devices the driver was granted. */
    default int count() {
        return 0;
    }

    /** The outcome of {@link #open}: the device, or why not. */
    sealed interface Grant {
        record Opened(BlockDevice device) implements Grant {
            public Opened {
                Objects.requireNonNull(device, "device");
            }
        }

        record Refused(String reason) implements Grant {
            public Refused {
                Objects.requireNonNull(reason, "reason");
            }
        }
    }

    /** For drivers granted no block device: every open is refused. */
    BlockAccess NONE = index -> new Grant.Refused("the driver was granted no block device");
}
