package dev.kosh.hal;

import java.util.Objects;

/**
 * A physical address range {@code [start, start + length)} and what it is for.
 *
 * @param label the host's name for it ("System RAM", "ACPI Tables", "PCI Bus 0000:00")
 */
public record MemoryRegion(long start, long length, RegionType type, String label) {

    public MemoryRegion {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(label, "label");
        if (start < 0) {
            throw new IllegalArgumentException("start must be non-negative, was " + start);
        }
        if (length <= 0) {
            throw new IllegalArgumentException("length must be positive, was " + length);
        }
        // Physical addresses stay far below 2^63; a range that wraps is a parsing error upstream.
        Math.addExact(start, length);
    }

    /** The first address past the region. */
    public long end() {
        return start + length;
    }

    public boolean overlaps(MemoryRegion other) {
        return start < other.end() && other.start() < end();
    }

    public boolean contains(long address) {
        return address >= start && address < end();
    }

    @Override
    public String toString() {
        return String.format("[%#014x-%#014x) %-16s %s", start, end(), type, label);
    }
}
