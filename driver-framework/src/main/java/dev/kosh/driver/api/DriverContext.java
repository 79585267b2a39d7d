package dev.kosh.driver.api;

import java.util.List;
import java.util.Objects;

/**
 * What the driver manager gives a driver instance when it starts it: its name, the devices it was
 * bound to (their resources only), and the ways to reach those resources — map their registers,
 * wait on their interrupt lines, use their I/O ports, get DMA buffers for them — each by the
 * device's position in {@code devices}, never by address. A driver that drives no hardware (null,
 * console) gets an empty device list. {@code blocks} are the block devices granted by the driver's
 * configuration (a backing file and its size), {@link BlockAccess#NONE} for others.
 */
public record DriverContext(String driverName, List<DeviceResources> devices, MmioAccess mmio, InterruptAccess interrupts,
                            PortAccess ports, DmaAccess dma, BlockAccess blocks) {
    public DriverContext {
        Objects.requireNonNull(driverName, "driverName");
        Objects.requireNonNull(mmio, "mmio");
        Objects.requireNonNull(interrupts, "interrupts");
        Objects.requireNonNull(ports, "ports");
        Objects.requireNonNull(dma, "dma");
        Objects.requireNonNull(blocks, "blocks");
        devices = List.copyOf(devices);
    }

    /** A context with the devices' hardware grants and no block devices. */
    public DriverContext(String driverName, List<DeviceResources> devices, MmioAccess mmio, InterruptAccess interrupts,
                         PortAccess ports, DmaAccess dma) {
        this(driverName, devices, mmio, interrupts, ports, dma, BlockAccess.NONE);
    }

    /** A context that grants the devices' registers only (no interrupts, ports, DMA or block devices). */
    public DriverContext(String driverName, List<DeviceResources> devices, MmioAccess mmio) {
        this(driverName, devices, mmio, InterruptAccess.NONE, PortAccess.NONE, DmaAccess.NONE, BlockAccess.NONE);
    }

    /** This context, with {@code blocks} as its block devices. */
    public DriverContext withBlocks(BlockAccess blocks) {
        return new DriverContext(driverName, devices, mmio, interrupts, ports, dma, blocks);
    }

    /** A context with no devices. */
    public static DriverContext noDevices(String driverName) {
        return new DriverContext(driverName, List.of(), MmioAccess.NONE);
    }
}
