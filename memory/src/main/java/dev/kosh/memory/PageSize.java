package dev.kosh.memory;

/** The page sizes an {@link AddressSpace} maps: x86-64 4 KiB pages and 2 MiB large pages. */
public enum PageSize {
    /** A 4 KiB page: a leaf entry in a page table (level 1). */
    SIZE_4K(12, 1),
    /** A 2 MiB large page: a leaf entry with PS set in a page directory (level 2). */
    SIZE_2M(21, 2);

    private final int shift;
    private final int leafLevel;

    PageSize(int shift, int leafLevel) {
        this.shift = shift;
        this.leafLevel = leafLevel;
    }

    /** log2 of the size in bytes. */
    public int shift() {
        return shift;
    }

    /** The size in bytes. */
    public long bytes() {
        return 1L << shift;
    }

    /** The buddy order of a block this big: 0 for 4 KiB, 9 for 2 MiB. */
    public int frameOrder() {
        return shift - PhysicalMemory.FRAME_SHIFT;
    }

    /** The page-table level that holds the leaf entry: 1 = page table, 2 = page directory. */
    public int leafLevel() {
        return leafLevel;
    }

    /** Whether {@code address} is a multiple of this size. */
    public boolean aligned(long address) {
        return (address & (bytes() - 1)) == 0;
    }
}
