package dev.kosh.driver.api;

/**
 * A device's register window as a driver bundle uses it: bounds- and alignment-checked volatile
 * loads and stores at offsets into the window, in the device's byte order as the host sees it.
 * Driver bundles may not touch {@code java.lang.foreign} (the verifier refuses it), so this is their
 * way to registers; {@link MmioAccess#open} makes one. An access outside the window, misaligned,
 * or after {@link #close()} throws, which the driver manager treats as the driver's fault.
 */
public interface Registers extends AutoCloseable {
    /** The window's size in bytes. */
    long length();

    byte read8(long offset);

    void write8(long offset, byte value);

    short read16(long offset);

    void write16(long offset, short value);

    int read32(long offset);

    void write32(long offset, int value);

    long read64(long offset);

    void write64(long offset, long value);

    /** Unmaps the window; later accesses throw {@link IllegalStateException}. Idempotent. */
    @Override
    void close();
}
