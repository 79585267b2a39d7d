package dev.kosh.hal;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A PCI function as the host enumerated it: ids the driver manager matches on, the BARs
 * it may grant as MMIO capabilities, its legacy interrupt line and the host driver (if
 * any) that currently owns it.
 *
 * @param classCode 24-bit class code: class, subclass, programming interface
 * @param irq       the legacy IRQ line, absent when the host reports 0 (none, or MSI only)
 * @param driver    the name of the host driver bound to the function, if any
 */
public record PciDevice(PciAddress address, int vendorId, int deviceId, int classCode, int revision,
                        int subsystemVendorId, int subsystemDeviceId, List<PciBar> bars, OptionalInt irq,
                        Optional<String> driver) {

    public PciDevice {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(irq, "irq");
        Objects.requireNonNull(driver, "driver");
        bars = List.copyOf(bars);
        if ((vendorId & ~0xffff) != 0 || (deviceId & ~0xffff) != 0 || (classCode & ~0xff_ffff) != 0) {
            throw new IllegalArgumentException("PCI ids out of range at " + address);
        }
    }

    public int baseClass() {
        return classCode >>> 16;
    }

    public int subclass() {
        return (classCode >>> 8) & 0xff;
    }

    public int progIf() {
        return classCode & 0xff;
    }

    public Optional<PciBar> bar(int index) {
        return bars.stream().filter(b -> b.index() == index).findFirst();
    }

    @Override
    public String toString() {
        return String.format("%s [%04x:%04x] class %06x%s", address, vendorId, deviceId, classCode,
                driver.map(d -> " driver " + d).orElse(""));
    }
}
