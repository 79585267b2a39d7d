package dev.kosh.driver.api;

import java.util.List;
import java.util.Objects;

/**
 * What the driver manager gives a driver instance when it starts it: its name, the devices it was
 * bound to (their resources only), and the way to map their registers. A driver that drives no
 * hardware (null, console) gets an empty device list. {@code blocks} are the block devices granted
 * by the driver's configuration (a backing file and its size), {@link BlockAccess#NONE} for others.
 */
public record DriverContext(String driverName, List<DeviceResources> devices, MmioAccess mmio, BlockAccess blocks) {
    public DriverContext {
        Objects.requireNonNull(driverName, "driverName");
        Objects.requireNonNull(mmio, "mmio");
        Objects.requireNonNull(blocks, "blocks");
        devices = List.copyOf(devices);
    }

    /** A context with no block devices. */
    public DriverContext(String driverName, List<DeviceResources> devices, MmioAccess mmio) {
        this(driverName, devices, mmio, BlockAccess.NONE);
    }

    /** This context, with {@code blocks} as its block devices. */
    public DriverContext withBlocks(BlockAccess blocks) {
        return new DriverContext(driverName, devices, mmio, blocks);
    }

    /** A context with no devices. */
    public static DriverContext noDevices(String driverName) {
        return new DriverContext(driverName, List.of(), MmioAccess.NONE);
    }
}
