package dev.kosh.driver.api;

/**
 * One I/O-port range granted to a driver. Offsets are relative to the range's start; an access
 * that does not lie wholly inside the range throws {@link IndexOutOfBoundsException} (as an MMIO
 * segment access past its window does): a driver bug, so a driver fault.
 */
public interface PortWindow {

    /** The range, as the platform enumerated it. */
    PortRange range();

    /** Reads {@code width} (1, 2 or 4) bytes at {@code offset}, little-endian. */
    long read(long offset, int width);

    /** Writes the low {@code width} (1, 2 or 4) bytes of {@code value} at {@code offset}, little-endian. */
    void write(long offset, int width, long value);
}
