package dev.kosh.driver.api;

/** One I/O-port range of a driver's device (a PCI I/O BAR); {@code index} is the BAR number. */
public record PortRange(int index, long start, long length) {
    public PortRange {
        if (index < 0 || length <= 0) throw new IllegalArgumentException("port range " + index + " with length " + length);
    }
}
