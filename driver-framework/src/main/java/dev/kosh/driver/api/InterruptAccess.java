package dev.kosh.driver.api;

import java.util.Objects;

/**
 * How a driver reaches its own devices' interrupt lines: by the device's position in
 * {@link DriverContext#devices()}, never by line number, so it cannot wait on (or steal) another
 * device's interrupts.
 */
@FunctionalInterface
public interface InterruptAccess {

    /** The interrupt line of the driver's {@code device}-th device. */
    Line line(int device);

    /** The outcome: the line, or why not (no such device, the device has no line). */
    sealed interface Line {
        record Granted(IrqLine irq) implements Line {
            public Granted {
                Objects.requireNonNull(irq, "irq");
            }
        }

        record Refused(String reason) implements Line {
            public Refused {
                Objects.requireNonNull(reason, "reason");
            }
        }
    }

    /** For drivers bound to no device. */
    InterruptAccess NONE = device -> new Line.Refused("the driver was bound to no device");
}
