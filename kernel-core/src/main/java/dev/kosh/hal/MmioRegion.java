package dev.kosh.hal;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A device's MMIO range mapped into the kernel's address space. The segment lives as long
 * as the {@link java.lang.foreign.Arena} passed to {@link PlatformInterface#mapMmio}.
 *
 * @param physicalAddress bus address of the first byte
 * @param segment         the mapping; accesses go straight to the device
 * @param via             the host path the mapping came through (sysfs resourceN or /dev/mem)
 */
public record MmioRegion(PciAddress device, int bar, long physicalAddress, MemorySegment segment, String via) {

    public MmioRegion {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(segment, "segment");
        Objects.requireNonNull(via, "via");
    }
}
