package dev.kosh.memory;

import dev.kosh.hal.MemoryMap;
import dev.kosh.hal.MemoryRegion;
import dev.kosh.hal.RegionType;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One entry of the boot memory map: {@code length} bytes of physical address space from
 * {@code start}, of the given type (the e820 / {@code /sys/firmware/memmap} types).
 *
 * <p>Only {@link Type#USABLE} memory is ever handed out; every frame that any other range
 * touches, even partly, is reserved for the life of the arena. Ranges outside the arena are
 * clipped; overlapping ranges are allowed (reserved wins).
 *
 * @param start  first byte, {@code >= 0}
 * @param length bytes, {@code > 0}; {@code start + length} must not overflow
 * @param type   what the firmware says the range is
 */
public record MemoryRange(long start, long length, Type type) {

    /** The firmware memory types a boot memory map distinguishes. */
    public enum Type {
        /** Ordinary RAM, free for the allocator. */
        USABLE,
        /** Firmware or device memory; never handed out. */
        RESERVED,
        /** ACPI tables; reclaimable after the tables are parsed, reserved until then. */
        ACPI_RECLAIMABLE,
        /** ACPI non-volatile storage; never handed out. */
        ACPI_NVS,
        /** Memory the firmware found defective; never handed out. */
        UNUSABLE,
        /** Device memory and bus windows (MMIO, PCI apertures, ROMs); never handed out. */
        DEVICE,
        /** Byte-addressable persistent memory; not general-purpose RAM, never handed out. */
        PERSISTENT,
        /**
         * Addresses between two ranges of the host's map that the map does not describe (the
         * legacy VGA window at 640 KiB when e820 omits it): no RAM there, never handed out.
         */
        HOLE
    }

    /**
     * The ranges of an arena of {@code arenaBytes} that the host's memory map forbids: the
     * arena models the host's physical address space from 0, so every non-usable region of the
     * map below {@code arenaBytes} becomes a range of the same type, clipped to the arena, and
     * every gap the map leaves between address 0 and its last region becomes a {@link Type#HOLE}.
     * Past the map's last region the arena is a model, not a copy: it stays usable, so an arena
     * larger than the host's RAM still works. An empty map reserves nothing.
     *
     * @param hostMap    the HAL's {@code getMemoryMap()}: sorted, disjoint regions
     * @param arenaBytes the arena size, positive
     * @return sorted, disjoint ranges, none of them usable
     */
    public static List<MemoryRange> reservedIn(MemoryMap hostMap, long arenaBytes) {
        Objects.requireNonNull(hostMap, "hostMap");
        if (arenaBytes <= 0) {
            throw new IllegalArgumentException("arena size " + arenaBytes + " is not positive");
        }
        List<MemoryRange> out = new ArrayList<>();
        long described = 0;
        for (MemoryRegion region : hostMap.regions()) {
            if (described >= arenaBytes) {
                break;
            }
            if (region.start() > described) {
                out.add(new MemoryRange(described, Math.min(region.start(), arenaBytes) - described, Type.HOLE));
            }
            if (region.type() != RegionType.USABLE && region.start() < arenaBytes) {
                out.add(new MemoryRange(region.start(), Math.min(region.end(), arenaBytes) - region.start(),
                        typeOf(region.type())));
            }
            described = region.end();
        }
        return List.copyOf(out);
    }

    /** The HAL's region type as a memory-map type; exhaustive, so a new HAL type fails to compile here. */
    public static Type typeOf(RegionType type) {
        return switch (type) {
            case USABLE -> Type.USABLE;
            case ACPI_RECLAIMABLE -> Type.ACPI_RECLAIMABLE;
            case PERSISTENT -> Type.PERSISTENT;
            case DEVICE -> Type.DEVICE;
            case ACPI_NVS -> Type.ACPI_NVS;
            case RESERVED -> Type.RESERVED;
            case UNUSABLE -> Type.UNUSABLE;
        };
    }

    /**
     * Checks the range; boot configuration errors are programming errors, so they throw.
     *
     * @throws IllegalArgumentException if start is negative, length not positive, or the end overflows
     */
    public MemoryRange {
        Objects.requireNonNull(type, "type");
        if (start < 0) {
            throw new IllegalArgumentException("memory range start " + start + " is negative");
        }
        if (length <= 0) {
            throw new IllegalArgumentException("memory range length " + length + " is not positive");
        }
        if (start > Long.MAX_VALUE - length) {
            throw new IllegalArgumentException("memory range " + start + "+" + length + " overflows");
        }
    }

    /** A range the allocator must never hand out. */
    public static MemoryRange reserved(long start, long length) {
        return new MemoryRange(start, length, Type.RESERVED);
    }

    /** The first byte past the range. */
    public long end() {
        return start + length;
    }

    /** Whether the allocator may hand out frames of this range. */
    public boolean usable() {
        return type == Type.USABLE;
    }
}
