package dev.kosh.hal;

/**
 * One base address register of a PCI function, as the host assigned it.
 *
 * @param index  0..5 for BARs (6 is the expansion ROM)
 * @param start  bus address of the first byte
 * @param length size in bytes (positive)
 * @param flags  the Linux {@code IORESOURCE_*} flags from sysfs {@code resource}
 */
public record PciBar(int index, long start, long length, long flags) {

    /** {@code IORESOURCE_IO}: a port range, not memory. */
    public static final long IORESOURCE_IO = 0x100;
    /** {@code IORESOURCE_MEM}: a memory range (MMIO). */
    public static final long IORESOURCE_MEM = 0x200;
    /** {@code IORESOURCE_PREFETCH}. */
    public static final long IORESOURCE_PREFETCH = 0x2000;
    /** {@code IORESOURCE_MEM_64}: a 64-bit memory BAR. */
    public static final long IORESOURCE_MEM_64 = 0x0010_0000;
    /** The index sysfs gives the expansion ROM. */
    public static final int ROM_INDEX = 6;

    public PciBar {
        if (index < 0 || length <= 0) {
            throw new IllegalArgumentException("BAR " + index + " with length " + length);
        }
    }

    public boolean isMemory() {
        return (flags & IORESOURCE_MEM) != 0;
    }

    public boolean isIo() {
        return (flags & IORESOURCE_IO) != 0;
    }

    public boolean isPrefetchable() {
        return (flags & IORESOURCE_PREFETCH) != 0;
    }

    public boolean is64Bit() {
        return (flags & IORESOURCE_MEM_64) != 0;
    }
}
