package dev.kosh.memory;

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
        UNUSABLE
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
