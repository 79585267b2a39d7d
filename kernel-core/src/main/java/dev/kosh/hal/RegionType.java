package dev.kosh.hal;

/**
 * What a physical memory region is for. The order is the precedence used when regions
 * overlap: a later constant wins, so the map errs towards not handing out memory that
 * firmware or a device may be using (as Linux's e820 sanitiser does).
 */
public enum RegionType {
    /** RAM the kernel may allocate frames from. */
    USABLE,
    /** ACPI tables: reclaimable once the tables have been read. */
    ACPI_RECLAIMABLE,
    /** Byte-addressable persistent memory. */
    PERSISTENT,
    /** Device memory and bus windows (MMIO, PCI apertures, ROMs). */
    DEVICE,
    /** ACPI non-volatile storage: firmware keeps it across sleep. */
    ACPI_NVS,
    /** Reserved by firmware for reasons it does not name. */
    RESERVED,
    /** Memory reported as faulty. */
    UNUSABLE
}
