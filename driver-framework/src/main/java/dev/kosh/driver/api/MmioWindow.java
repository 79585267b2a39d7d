package dev.kosh.driver.api;

/**
 * One memory-mapped register window of a driver's device: a PCI memory BAR, or a platform
 * device's {@code reg} entry. {@code index} is the BAR number (PCI) or the entry's position
 * (platform); a driver names a window only by its index within its own device.
 */
public record MmioWindow(int index, long start, long length, boolean prefetchable) {
    public MmioWindow {
        if (index < 0 || length <= 0) throw new IllegalArgumentException("MMIO window " + index + " with length " + length);
    }
}
