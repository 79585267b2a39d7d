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

    /**
     * Maps window {@code window} of the driver's {@code device}-th device as {@link Registers}, the
     * form a driver bundle can use (it may not touch {@code java.lang.foreign}); the mapping lives
     * until {@link Registers#close()}. Refused for the same reasons as {@link #map}.
     */
    default RegisterWindow open(int device, int window) {
        Arena arena = Arena.ofShared();
        Mapping m;
        try {
            m = map(device, window, arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
        return switch (m) {
            case Mapping.Mapped mapped -> new RegisterWindow.Open(new SegmentRegisters(mapped.registers(), arena), mapped.via());
            case Mapping.Refused refused -> {
                arena.close();
                yield new RegisterWindow.Refused(refused.reason());
            }
        };
    }

    /** The outcome of {@link #open}: the registers, or why not. */
    sealed interface RegisterWindow {
        record Open(Registers registers, String via) implements RegisterWindow {
            public Open {
                Objects.requireNonNull(registers, "registers");
                Objects.requireNonNull(via, "via");
            }
        }

        record Refused(String reason) implements RegisterWindow {
            public Refused {
                Objects.requireNonNull(reason, "reason");
            }
        }
    }

    /** For drivers bound to no device: every mapping is refused. */
    MmioAccess NONE = (device, window, arena) -> new Mapping.Refused("the driver was bound to no device");
}
