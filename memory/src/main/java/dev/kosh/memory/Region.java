package dev.kosh.memory;

/**
 * A reserved range of a {@link VirtualAddressSpace}: its pages get frames on first touch.
 *
 * @param start      first byte, page-aligned
 * @param length     bytes, a positive multiple of 4 KiB
 * @param kind       heap, stack or anonymous
 * @param protection the rights every page of the region gets
 * @param guardBytes bytes below {@code start} that are reserved but never mapped (a stack's guard page)
 */
public record Region(long start, long length, RegionKind kind, Protection protection, long guardBytes) {

    /** One byte past the region. */
    public long end() {
        return start + length;
    }

    /** The first byte of the guard below the region ({@code start} when it has none). */
    public long guardStart() {
        return start - guardBytes;
    }

    /** Whether {@code virtualAddress} is inside the region (not its guard). */
    public boolean contains(long virtualAddress) {
        return virtualAddress >= start && virtualAddress - start < length;
    }

    /** Whether {@code virtualAddress} is inside the guard below the region. */
    public boolean guards(long virtualAddress) {
        return virtualAddress >= guardStart() && virtualAddress < start;
    }

    /** Pages in the region. */
    public long pages() {
        return length >>> PhysicalMemory.FRAME_SHIFT;
    }
}
