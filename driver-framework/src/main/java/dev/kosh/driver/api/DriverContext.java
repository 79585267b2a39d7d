package dev.kosh.driver.api;

import java.util.List;
import java.util.Objects;

/**
 * What the driver manager gives a driver instance when it starts it: its name, the devices it was
 * bound to (their resources only), and the ways to reach those resources — map their registers,
 * wait on their interrupt lines, use their I/O ports, get DMA buffers for them — each by the
 * device's position in {@code devices}, never by address. A driver that drives no hardware (null,
 * console) gets an empty device list.
 */
public record DriverContext(String driverName, List<DeviceResources> devices, MmioAccess mmio, InterruptAccess interrupts,
                            PortAccess ports, DmaAccess dma) {
    public DriverContext {
        Objects.requireNonNull(driverName, "driverName");
        Objects.requireNonNull(mmio, "mmio");
        Objects.requireNonNull(interrupts, "interrupts");
        Objects.requireNonNull(ports, "ports");
        Objects.requireNonNull(dma, "dma");
        devices = List.copyOf(devices);
    }

    /** A context that grants the devices' registers only (no interrupts, ports or DMA). */
    public DriverContext(String driverName, List<DeviceResources> devices, MmioAccess mmio) {
        this(driverName, devices, mmio, InterruptAccess.NONE, PortAccess.NONE, DmaAccess.NONE);
    }

    /** A context with no devices. */
    public static DriverContext noDevices(String driverName) {
        return new DriverContext(driverName, List.of(), MmioAccess.NONE);
    }
}
