package dev.kosh.memory.internal;

import java.util.Arrays;

/**
 * A translation lookaside buffer: two direct-mapped arrays, one for 4 KiB pages
 * ({@value #SMALL_ENTRIES} entries, indexed by the low bits of the page number) and one for
 * 2 MiB pages ({@value #LARGE_ENTRIES} entries), as x86 cores keep separate TLBs per page size.
 *
 * <p>An entry caches the page's frame and its effective rights (the walk's combination of all
 * levels) plus whether the leaf's dirty bit was set. A lookup hits only if the cached rights
 * allow the access; a write through an entry whose dirty bit is clear misses, so the walker
 * sets the dirty bit in memory as the hardware does. Faults are never cached.
 *
 * <p>Like a real TLB it is not coherent with the page tables: whoever changes an entry must
 * invalidate it ({@link #invalidate}) or flush. Not thread-safe: its address space's lock guards it.
 */
public final class Tlb {

    /** Entries for 4 KiB pages. */
    public static final int SMALL_ENTRIES = 64;
    /** Entries for 2 MiB pages. */
    public static final int LARGE_ENTRIES = 32;

    /** Right: writes allowed. */
    public static final int WRITE = 1;
    /** Right: user mode allowed. */
    public static final int USER = 1 << 1;
    /** Right: instruction fetch allowed. */
    public static final int EXECUTE = 1 << 2;
    /** The leaf's dirty bit is already set. */
    public static final int DIRTY = 1 << 3;

    /** {@link #lookup}: not cached, or the cached rights do not allow the access. */
    public static final long MISS = -1;

    private static final long INVALID = -1;

    private final long[] smallTag = new long[SMALL_ENTRIES];
    private final long[] smallFrame = new long[SMALL_ENTRIES];
    private final int[] smallRights = new int[SMALL_ENTRIES];
    private final long[] largeTag = new long[LARGE_ENTRIES];
    private final long[] largeFrame = new long[LARGE_ENTRIES];
    private final int[] largeRights = new int[LARGE_ENTRIES];

    Tlb() {
        flush();
    }

    /**
     * The physical address of {@code virtualAddress} if a cached entry allows an access that
     * needs {@code required} rights, else {@link #MISS}.
     */
    long lookup(long virtualAddress, int required) {
        long smallPage = virtualAddress >>> 12;
        int s = (int) smallPage & (SMALL_ENTRIES - 1);
        if (smallTag[s] == smallPage) {
            return (smallRights[s] & required) == required ? smallFrame[s] | (virtualAddress & 0xFFF) : MISS;
        }
        long largePage = virtualAddress >>> 21;
        int l = (int) largePage & (LARGE_ENTRIES - 1);
        if (largeTag[l] == largePage) {
            return (largeRights[l] & required) == required ? largeFrame[l] | (virtualAddress & 0x1F_FFFF) : MISS;
        }
        return MISS;
    }

    /** Caches a 4 KiB translation, evicting whatever shared its slot. */
    void fillSmall(long virtualAddress, long frame, int rights) {
        long page = virtualAddress >>> 12;
        int s = (int) page & (SMALL_ENTRIES - 1);
        smallTag[s] = page;
        smallFrame[s] = frame;
        smallRights[s] = rights;
    }

    /** Caches a 2 MiB translation, evicting whatever shared its slot. */
    void fillLarge(long virtualAddress, long frame, int rights) {
        long page = virtualAddress >>> 21;
        int l = (int) page & (LARGE_ENTRIES - 1);
        largeTag[l] = page;
        largeFrame[l] = frame;
        largeRights[l] = rights;
    }

    /** {@code invlpg}: drops every entry that covers {@code virtualAddress}, of either size. */
    void invalidate(long virtualAddress) {
        long smallPage = virtualAddress >>> 12;
        int s = (int) smallPage & (SMALL_ENTRIES - 1);
        if (smallTag[s] == smallPage) {
            smallTag[s] = INVALID;
        }
        long largePage = virtualAddress >>> 21;
        int l = (int) largePage & (LARGE_ENTRIES - 1);
        if (largeTag[l] == largePage) {
            largeTag[l] = INVALID;
        }
    }

    /** Drops every entry. Tags are page numbers of unsigned-shifted addresses, never -1. */
    void flush() {
        Arrays.fill(smallTag, INVALID);
        Arrays.fill(largeTag, INVALID);
    }

    /** Valid entries, for tests and statistics. */
    int validEntries() {
        int n = 0;
        for (long tag : smallTag) {
            n += tag == INVALID ? 0 : 1;
        }
        for (long tag : largeTag) {
            n += tag == INVALID ? 0 : 1;
        }
        return n;
    }
}
