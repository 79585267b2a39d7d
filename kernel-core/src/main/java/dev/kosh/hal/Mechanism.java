package dev.kosh.hal;

/** A host mechanism the HAL may use, reported in {@link PlatformCapabilities}. */
public enum Mechanism {
    DEV_MEM("/dev/mem"),
    VFIO("vfio"),
    UIO("UIO"),
    IO_URING("io_uring"),
    HUGEPAGES("huge pages"),
    CPUFREQ("cpufreq"),
    POWER_SUPPLY("power_supply"),
    CPUID("CPUID device"),
    DEVICE_TREE("device tree"),
    PCI_SYSFS("PCI sysfs"),
    FIRMWARE_MEMMAP("firmware memory map"),
    MEMORY_MAP("memory map");

    private final String displayName;

    Mechanism(String displayName) {
        this.displayName = displayName;
    }

    public String displayName() {
        return displayName;
    }
}
