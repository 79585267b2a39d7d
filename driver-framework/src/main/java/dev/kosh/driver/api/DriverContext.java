package dev.kosh.driver.api;

import java.util.List;
import java.util.Objects;

/**
 * What the driver manager gives a driver instance when it starts it: its name, the devices it was
 * bound to (their resources only), and the way to map their registers. A driver that drives no
 * hardware (null, console) gets an empty device list.
 */
public record DriverContext(String driverName, List<DeviceResources> devices, MmioAccess mmio) {
    public DriverContext {
        Objects.requireNonNull(driverName, "driverName");
        Objects.requireNonNull(mmio, "mmio");
        devices = List.copyOf(devices);
    }

    /** A context with no devices. */
    public static DriverContext noDevices(String driverName) {
        return new DriverContext(driverName, List.of(), MmioAccess.NONE);
    }
}
