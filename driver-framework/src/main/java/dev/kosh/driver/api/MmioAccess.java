package dev.kosh.driver.api;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * How a driver maps its own devices' registers. The only way to say which registers is a device's
 * position in {@link DriverContext#devices()} and a window index of that device: a driver cannot
 * ask for an address, so it cannot reach another device's resources.
 */
@FunctionalInterface
public interface MmioAccess {

    /** Maps window {@code window} of the driver's {@code device}-th device for the lifetime of {@code arena}. */
    Mapping map(int device, int window, Arena arena);

    /** The outcome of a mapping: the registers, or why not (no such device or window, host refused). */
    sealed interface Mapping {
        record Mapped(MemorySegment registers, String via) implements Mapping {
            public Mapped {
                Objects.requireNonNull(registers, "registers");
                Objects.requireNonNull(via, "via");
            }
        }

        record Refused(String reason) implements Mapping {
            public Refused {
                Objects.requireNonNull(reason, "reason");
            }
        }
    }

    /** For drivers bound to no device: every mapping is refused. */
    MmioAccess NONE = (device, window, arena) -> new Mapping.Refused("the driver was bound to no device");
}
