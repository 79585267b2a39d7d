package dev.kosh.driver.api;

import java.util.Objects;

/**
 * How a driver reaches its own devices' I/O-port ranges: by the device's position in
 * {@link DriverContext#devices()} and the range's index, never by port number, so it cannot
 * address another device's ports.
 */
@FunctionalInterface
public interface PortAccess {

    /** Range {@code index} of the driver's {@code device}-th device. */
    Ports open(int device, int index);

    /** The outcome: the range, or why not (no such device or range, the host offers no port I/O). */
    sealed interface Ports {
        record Granted(PortWindow window) implements Ports {
            public Granted {
                Objects.requireNonNull(window, "window");
            }
        }

        record Refused(String reason) implements Ports {
            public Refused {
                Objects.requireNonNull(reason, "reason");
            }
        }
    }

    /** For drivers bound to no device. */
    PortAccess NONE = (device, index) -> new Ports.Refused("the driver was bound to no device");
}
