package dev.kosh.driver.api;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The hardware resources of one device the driver manager bound to a driver, and nothing else:
 * its MMIO windows, I/O-port ranges and interrupt line, as the platform enumerated them. A driver
 * receives one of these per bound device in its {@link DriverContext}; it reaches the hardware
 * only through {@link MmioAccess}, by the device's position in the context and a window index, so
 * it has no way to name an address of a device it was not given.
 *
 * @param device the device's address, for messages ({@code 0000:00:03.0}, {@code platform:uart@9000000})
 * @param ids    what the device was matched by ({@code pci:1234:11e8:00:ff}, {@code platform:uart})
 */
public record DeviceResources(String device, String ids, List<MmioWindow> mmio, List<PortRange> ioPorts, OptionalInt irq) {
    public DeviceResources {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(ids, "ids");
        Objects.requireNonNull(irq, "irq");
        mmio = List.copyOf(mmio);
        ioPorts = List.copyOf(ioPorts);
    }

    /** The MMIO window with that index, if the device has one. */
    public Optional<MmioWindow> window(int index) {
        return mmio.stream().filter(w -> w.index() == index).findFirst();
    }
}
