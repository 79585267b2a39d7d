package dev.kosh.memory.internal;

import static dev.kosh.memory.internal.PageTableEntryDescriptor.ACCESSED;
import static dev.kosh.memory.internal.PageTableEntryDescriptor.ADDRESS_MASK;
import static dev.kosh.memory.internal.PageTableEntryDescriptor.DIRTY;
import static dev.kosh.memory.internal.PageTableEntryDescriptor.ENTRIES;
import static dev.kosh.memory.internal.PageTableEntryDescriptor.ENTRY;
import static dev.kosh.memory.internal.PageTableEntryDescriptor.ENTRY_BYTES;
import static dev.kosh.memory.internal.PageTableEntryDescriptor.LARGE_ADDRESS_MASK;
import static dev.kosh.memory.internal.PageTableEntryDescriptor.LEVELS;
import static dev.kosh.memory.internal.PageTableEntryDescriptor.NO_EXECUTE;
import static dev.kosh.memory.internal.PageTableEntryDescriptor.OWNED;
import static dev.kosh.memory.internal.PageTableEntryDescriptor.PAGE_SIZE;
import static dev.kosh.memory.internal.PageTableEntryDescriptor.PRESENT;
import static dev.kosh.memory.internal.PageTableEntryDescriptor.PROTECTION_MASK;
import static dev.kosh.memory.internal.PageTableEntryDescriptor.TABLE_FLAGS;
import static dev.kosh.memory.internal.PageTableEntryDescriptor.USER;
import static dev.kosh.memory.internal.PageTableEntryDescriptor.WRITABLE;
import static dev.kosh.memory.internal.PageTableEntryDescriptor.canonical;
import static dev.kosh.memory.internal.PageTableEntryDescriptor.index;

import dev.kosh.memory.AccessKind;
import dev.kosh.memory.AddressSpace;
import dev.kosh.memory.CreateSpaceResult;
import dev.kosh.memory.MapResult;
import dev.kosh.memory.PageMapping;
import dev.kosh.memory.PageSize;
import dev.kosh.memory.ProtectResult;
import dev.kosh.memory.Protection;
import dev.kosh.memory.Translation;
import dev.kosh.memory.UnmapResult;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * An {@link AddressSpace} whose four-level x86-64 page tables are frames of the arena (layout in
 * {@link PageTableEntryDescriptor}), with a software MMU: a page walker that sets accessed and
 * dirty bits as the hardware does, in front of which sits a {@link Tlb}.
 *
 * <p>MMU model: CR0.WP = 1 (the kernel cannot write read-only pages either), EFER.NXE = 1,
 * SMEP and SMAP off (the kernel may read, write and fetch user pages), no 1 GiB pages (a PS
 * bit in a PDPT entry is a reserved-bit fault), no PCIDs. A successful walk sets A in every
 * entry it passes and D in the leaf on a write; a faulting walk sets A only in the
 * intermediate entries it used, never in the leaf.
 *
 * <p>Operations are decode, then invoke: decode checks every argument and the current tables
 * and returns a typed error without changing anything; invoke then cannot fail, except that
 * a map may run out of frames for page tables, which it rolls back (freeing the data frame and
 * any table it created) before returning {@link MapResult.OutOfMemory}.
 *
 * <p>Thread safety: {@link #lock} guards {@link #root}, the table frames reachable from it,
 * the {@link #tlb}, the counters and the scratch fields {@link #lastFaultLevel} and
 * {@link #lastLeafLevel}. Every public method takes it.
 * It nests outside the {@link BuddyAllocator}'s lock.
 */
public final class PagedAddressSpace implements AddressSpace {

    /** {@link #translateRaw}: the address is not canonical. */
    public static final long FAULT_NON_CANONICAL = -1;
    /** {@link #translateRaw}: no present entry; the level is in {@link #lastFaultLevel}. */
    public static final long FAULT_NOT_PRESENT = -2;
    /** {@link #translateRaw}: a user access to a supervisor page, or a write to a read-only one. */
    public static final long FAULT_PROTECTION = -3;
    /** {@link #translateRaw}: an instruction fetch from a no-execute page. */
    public static final long FAULT_NO_EXECUTE = -4;
    /** {@link #translateRaw}: a reserved bit; the level is in {@link #lastFaultLevel}. */
    public static final long FAULT_RESERVED_BIT = -5;

    private static final long DEAD = -1;

    private final ReentrantLock lock = new ReentrantLock();
    private final MemorySegment memory;
    private final BuddyAllocator frames;
    private final Tlb tlb = new Tlb();

    private long root;
    private long tableFrames;
    private long mapped4k;
    private long mapped2m;
    /** Frames of owned (anonymous) pages: 1 per 4 KiB page, 512 per 2 MiB page. */
    private long residentFrames;
    private long frameQuota;
    /** Set by {@link #decodeMap}: page tables a map at that address would have to create. */
    private int lastMissingTables;
    private int lastFaultLevel;
    private int lastLeafLevel;
    private long tlbHits;
    private long tlbMisses;

    private PagedAddressSpace(MemorySegment memory, BuddyAllocator frames, long root, long frameQuota) {
        this.memory = memory;
        this.frames = frames;
        this.root = root;
        this.tableFrames = 1;
        this.frameQuota = frameQuota;
    }

    /** A new space without a quota, or OutOfMemory. */
    public static CreateSpaceResult create(MemorySegment memory, BuddyAllocator frames) {
        return create(memory, frames, Long.MAX_VALUE);
    }

    /**
     * A new space with an empty, zeroed PML4 that may hold at most {@code frameQuota} frames
     * (see {@link AddressSpace#chargedFrames()}), or OutOfMemory.
     *
     * @throws IllegalArgumentException if the quota cannot even hold the PML4
     */
    public static CreateSpaceResult create(MemorySegment memory, BuddyAllocator frames, long frameQuota) {
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(frames, "frames");
        checkQuota(frameQuota);
        long root = frames.allocateFrames(0);
        if (root < 0) {
            return new CreateSpaceResult.OutOfMemory();
        }
        memory.asSlice(root, PageSize.SIZE_4K.bytes()).fill((byte) 0);
        return new CreateSpaceResult.Created(new PagedAddressSpace(memory, frames, root, frameQuota));
    }

    private static void checkQuota(long frameQuota) {
        if (frameQuota < 1) {
            throw new IllegalArgumentException("frame quota " + frameQuota + " cannot hold the PML4");
        }
    }

    @Override
    public long rootTable() {
        lock.lock();
        try {
            return live();
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- map

    @Override
    public MapResult mapAnonymous(long virtualAddress, PageSize size, Protection protection) {
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(protection, "protection");
        lock.lock();
        try {
            live();
            MapResult invalid = decodeMap(virtualAddress, size);
            if (invalid != null) {
                return invalid;
            }
            MapResult overQuota = decodeQuota(virtualAddress, size, (1L << size.frameOrder()) + lastMissingTables);
            if (overQuota != null) {
                return overQuota;
            }
            long frame = frames.allocateFrames(size.frameOrder());
            if (frame < 0) {
                return new MapResult.OutOfMemory(virtualAddress, size);
            }
            // A fresh page must not show what its previous owner left in the frame.
            memory.asSlice(frame, size.bytes()).fill((byte) 0);
            MapResult result = install(virtualAddress, frame, size, protection, true);
            if (!(result instanceof MapResult.Mapped)) {
                mustFree(frame, size.frameOrder());
            }
            return result;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public MapResult mapFrame(long virtualAddress, long physicalAddress, PageSize size, Protection protection) {
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(protection, "protection");
        lock.lock();
        try {
            live();
            MapResult invalid = decodeMap(virtualAddress, size);
            if (invalid != null) {
                return invalid;
            }
            if (!size.aligned(physicalAddress)) {
                return new MapResult.Unaligned(physicalAddress, size);
            }
            if (physicalAddress < 0 || physicalAddress > memory.byteSize() - size.bytes()) {
                return new MapResult.FrameOutsideArena(physicalAddress, size);
            }
            if (!frames.isAllocated(physicalAddress, size.bytes())) {
                return new MapResult.FrameNotAllocated(physicalAddress, size);
            }
            // The caller's frames are charged to the caller; only the tables are this space's.
            MapResult overQuota = decodeQuota(virtualAddress, size, lastMissingTables);
            if (overQuota != null) {
                return overQuota;
            }
            return install(virtualAddress, physicalAddress, size, protection, false);
        } finally {
            lock.unlock();
        }
    }

    /** Decode: whether {@code needed} more frames fit under the quota. Null when they do. */
    private MapResult decodeQuota(long virtualAddress, PageSize size, long needed) {
        long charged = tableFrames + residentFrames;
        return needed > frameQuota - charged
                ? new MapResult.QuotaExceeded(virtualAddress, size, needed, charged, frameQuota)
                : null;
    }

    /**
     * Decode for both maps: canonical, aligned, and nothing in the way. Null when the map may go
     * ahead; then {@link #lastMissingTables} holds how many tables it will create.
     */
    private MapResult decodeMap(long virtualAddress, PageSize size) {
        if (!canonical(virtualAddress)) {
            return new MapResult.NonCanonical(virtualAddress);
        }
        if (!size.aligned(virtualAddress)) {
            return new MapResult.Unaligned(virtualAddress, size);
        }
        long table = root;
        for (int level = LEVELS; level >= size.leafLevel(); level--) {
            long entry = entry(table, index(virtualAddress, level));
            if ((entry & PRESENT) == 0) {
                // One table for each level below this one down to the leaf's.
                lastMissingTables = level - size.leafLevel();
                return null;
            }
            // A present entry at the leaf level, a large page above it, or (for a 2 MiB map)
            // a page table full of small pages: all already map part of the range.
            if (level == size.leafLevel() || (entry & PAGE_SIZE) != 0) {
                return new MapResult.AlreadyMapped(virtualAddress);
            }
            table = entry & ADDRESS_MASK;
        }
        throw new IllegalStateException("walk ended without reaching level " + size.leafLevel());
    }

    /** Invoke: creates missing tables and writes the leaf. Rolls back on OutOfMemory. */
    private MapResult install(long virtualAddress, long frame, PageSize size, Protection protection, boolean owned) {
        long table = root;
        for (int level = LEVELS; level > size.leafLevel(); level--) {
            long slot = table + (long) index(virtualAddress, level) * ENTRY_BYTES;
            long entry = memory.get(ENTRY, slot);
            if ((entry & PRESENT) == 0) {
                long created = frames.allocateFrames(0);
                if (created < 0) {
                    pruneEmptyTables(virtualAddress);
                    return new MapResult.OutOfMemory(virtualAddress, size);
                }
                memory.asSlice(created, PageSize.SIZE_4K.bytes()).fill((byte) 0);
                tableFrames++;
                entry = created | TABLE_FLAGS;
                memory.set(ENTRY, slot, entry);
            }
            table = entry & ADDRESS_MASK;
        }
        long leaf = frame | PRESENT | PageTableEntryDescriptor.protectionBits(protection)
                | (size == PageSize.SIZE_2M ? PAGE_SIZE : 0) | (owned ? OWNED : 0);
        memory.set(ENTRY, table + (long) index(virtualAddress, size.leafLevel()) * ENTRY_BYTES, leaf);
        // No invalidation: the TLB never caches a non-present translation.
        if (owned) {
            residentFrames += 1L << size.frameOrder();
        }
        if (size == PageSize.SIZE_4K) {
            mapped4k++;
        } else {
            mapped2m++;
        }
        return new MapResult.Mapped(virtualAddress, frame, size);
    }

    // ---------------------------------------------------------------- unmap / protect

    /**
     * Finds the leaf entry that maps {@code virtualAddress}: returns its byte offset in the
     * arena and leaves its level in {@link #lastLeafLevel}, or returns -1 if none is present.
     */
    private long findLeaf(long virtualAddress) {
        long table = root;
        for (int level = LEVELS; level >= 1; level--) {
            long slot = table + (long) index(virtualAddress, level) * ENTRY_BYTES;
            long entry = memory.get(ENTRY, slot);
            if ((entry & PRESENT) == 0) {
                return -1;
            }
            if (level == 1 || (level == 2 && (entry & PAGE_SIZE) != 0)) {
                lastLeafLevel = level;
                return slot;
            }
            table = entry & ADDRESS_MASK;
        }
        return -1;
    }

    @Override
    public UnmapResult unmap(long virtualAddress) {
        lock.lock();
        try {
            live();
            if (!canonical(virtualAddress)) {
                return new UnmapResult.NonCanonical(virtualAddress);
            }
            if (!PageSize.SIZE_4K.aligned(virtualAddress)) {
                return new UnmapResult.Unaligned(virtualAddress, PageSize.SIZE_4K);
            }
            long slot = findLeaf(virtualAddress);
            if (slot < 0) {
                return new UnmapResult.NotMapped(virtualAddress);
            }
            PageSize size = lastLeafLevel == 1 ? PageSize.SIZE_4K : PageSize.SIZE_2M;
            if (!size.aligned(virtualAddress)) {
                return new UnmapResult.Unaligned(virtualAddress, size);
            }
            long entry = memory.get(ENTRY, slot);
            long frame = entry & (size == PageSize.SIZE_4K ? ADDRESS_MASK : LARGE_ADDRESS_MASK);
            boolean owned = (entry & OWNED) != 0;
            memory.set(ENTRY, slot, 0L);
            tlb.invalidate(virtualAddress);
            if (owned) {
                mustFree(frame, size.frameOrder());
                residentFrames -= 1L << size.frameOrder();
            }
            if (size == PageSize.SIZE_4K) {
                mapped4k--;
            } else {
                mapped2m--;
            }
            pruneEmptyTables(virtualAddress);
            return new UnmapResult.Unmapped(virtualAddress, frame, size, owned);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public ProtectResult protect(long virtualAddress, Protection protection) {
        Objects.requireNonNull(protection, "protection");
        lock.lock();
        try {
            live();
            if (!canonical(virtualAddress)) {
                return new ProtectResult.NonCanonical(virtualAddress);
            }
            if (!PageSize.SIZE_4K.aligned(virtualAddress)) {
                return new ProtectResult.Unaligned(virtualAddress, PageSize.SIZE_4K);
            }
            long slot = findLeaf(virtualAddress);
            if (slot < 0) {
                return new ProtectResult.NotMapped(virtualAddress);
            }
            PageSize size = lastLeafLevel == 1 ? PageSize.SIZE_4K : PageSize.SIZE_2M;
            if (!size.aligned(virtualAddress)) {
                return new ProtectResult.Unaligned(virtualAddress, size);
            }
            long entry = memory.get(ENTRY, slot);
            memory.set(ENTRY, slot, (entry & ~PROTECTION_MASK) | PageTableEntryDescriptor.protectionBits(protection));
            // Also when rights grow: a stale entry would only cause a spurious re-walk here,
            // but invalidating keeps the rule simple: whoever changes an entry invalidates it.
            tlb.invalidate(virtualAddress);
            return new ProtectResult.Protected(virtualAddress, size, PageTableEntryDescriptor.protectionOf(entry));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Frees the tables on the path to {@code virtualAddress} that hold no present entry, bottom
     * up, clearing the parent entry of each. The PML4 stays. Our TLB caches only leaf
     * translations (no paging-structure cache), so freeing a table needs no invalidation.
     */
    private void pruneEmptyTables(long virtualAddress) {
        long[] path = new long[LEVELS + 1];
        long table = root;
        int level = LEVELS;
        path[level] = table;
        while (level > 1) {
            long entry = entry(table, index(virtualAddress, level));
            if ((entry & PRESENT) == 0 || (entry & PAGE_SIZE) != 0) {
                break;
            }
            table = entry & ADDRESS_MASK;
            level--;
            path[level] = table;
        }
        for (; level < LEVELS; level++) {
            if (!empty(path[level])) {
                return;
            }
            memory.set(ENTRY, path[level + 1] + (long) index(virtualAddress, level + 1) * ENTRY_BYTES, 0L);
            mustFree(path[level], 0);
            tableFrames--;
        }
    }

    private boolean empty(long table) {
        for (int i = 0; i < ENTRIES; i++) {
            if ((entry(table, i) & PRESENT) != 0) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- translate

    @Override
    public Translation translate(long virtualAddress, AccessKind access, boolean userMode) {
        Objects.requireNonNull(access, "access");
        lock.lock();
        try {
            long result = translateRaw(virtualAddress, access, userMode);
            if (result >= 0) {
                return new Translation.Physical(virtualAddress, result);
            }
            if (result == FAULT_NOT_PRESENT) {
                return new Translation.NotPresent(virtualAddress, access, userMode, lastFaultLevel);
            }
            if (result == FAULT_PROTECTION) {
                return new Translation.ProtectionViolation(virtualAddress, access, userMode);
            }
            if (result == FAULT_NO_EXECUTE) {
                return new Translation.NoExecute(virtualAddress, access, userMode);
            }
            if (result == FAULT_RESERVED_BIT) {
                return new Translation.ReservedBit(virtualAddress, access, userMode, lastFaultLevel);
            }
            return new Translation.NonCanonical(virtualAddress, access, userMode);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The MMU: the physical address ({@code >= 0}) or a negative {@code FAULT_*} code. Allocates
     * nothing.
     */
    public long translateRaw(long virtualAddress, AccessKind access, boolean userMode) {
        lock.lock();
        try {
            live();
            if (!canonical(virtualAddress)) {
                return FAULT_NON_CANONICAL;
            }
            int required = (userMode ? Tlb.USER : 0) | switch (access) {
                case READ -> 0;
                case WRITE -> Tlb.WRITE | Tlb.DIRTY;
                case EXECUTE -> Tlb.EXECUTE;
            };
            long cached = tlb.lookup(virtualAddress, required);
            if (cached >= 0) {
                tlbHits++;
                return cached;
            }
            tlbMisses++;
            return walk(virtualAddress, access, userMode);
        } finally {
            lock.unlock();
        }
    }

    private long walk(long virtualAddress, AccessKind access, boolean userMode) {
        long table = root;
        boolean writable = true;
        boolean user = true;
        boolean noExecute = false;
        for (int level = LEVELS; level >= 1; level--) {
            long slot = table + (long) index(virtualAddress, level) * ENTRY_BYTES;
            long entry = memory.get(ENTRY, slot);
            if ((entry & PRESENT) == 0) {
                lastFaultLevel = level;
                // x86 invalidates any TLB entry for an address that faults.
                tlb.invalidate(virtualAddress);
                return FAULT_NOT_PRESENT;
            }
            writable &= (entry & WRITABLE) != 0;
            user &= (entry & USER) != 0;
            noExecute |= (entry & NO_EXECUTE) != 0;
            boolean largeLeaf = (entry & PAGE_SIZE) != 0;
            if (level == 3 && largeLeaf) {
                lastFaultLevel = level;
                tlb.invalidate(virtualAddress);
                return FAULT_RESERVED_BIT;
            }
            if (level > 1 && !(level == 2 && largeLeaf)) {
                if ((entry & ACCESSED) == 0) {
                    memory.set(ENTRY, slot, entry | ACCESSED);
                }
                table = entry & ADDRESS_MASK;
                continue;
            }
            // The leaf: check rights before touching A/D, so a faulting access leaves no trace.
            if ((userMode && !user) || (access == AccessKind.WRITE && !writable)) {
                tlb.invalidate(virtualAddress);
                return FAULT_PROTECTION;
            }
            if (access == AccessKind.EXECUTE && noExecute) {
                tlb.invalidate(virtualAddress);
                return FAULT_NO_EXECUTE;
            }
            long updated = entry | ACCESSED | (access == AccessKind.WRITE ? DIRTY : 0);
            if (updated != entry) {
                memory.set(ENTRY, slot, updated);
            }
            int rights = (writable ? Tlb.WRITE : 0) | (user ? Tlb.USER : 0) | (noExecute ? 0 : Tlb.EXECUTE)
                    | ((updated & DIRTY) != 0 ? Tlb.DIRTY : 0);
            if (level == 1) {
                long frame = entry & ADDRESS_MASK;
                tlb.fillSmall(virtualAddress, frame, rights);
                return frame | (virtualAddress & 0xFFF);
            }
            long frame = entry & LARGE_ADDRESS_MASK;
            tlb.fillLarge(virtualAddress, frame, rights);
            return frame | (virtualAddress & 0x1F_FFFF);
        }
        throw new IllegalStateException("page walk passed level 1");
    }

    @Override
    public Optional<PageMapping> lookup(long virtualAddress) {
        return locked(() -> {
            if (!canonical(virtualAddress)) {
                return Optional.empty();
            }
            long slot = findLeaf(virtualAddress);
            if (slot < 0) {
                return Optional.empty();
            }
            long entry = memory.get(ENTRY, slot);
            PageSize size = lastLeafLevel == 1 ? PageSize.SIZE_4K : PageSize.SIZE_2M;
            long frame = entry & (size == PageSize.SIZE_4K ? ADDRESS_MASK : LARGE_ADDRESS_MASK);
            return Optional.of(new PageMapping(virtualAddress & -size.bytes(), frame, size,
                    PageTableEntryDescriptor.protectionOf(entry), (entry & ACCESSED) != 0,
                    (entry & DIRTY) != 0, (entry & OWNED) != 0));
        });
    }

    @Override
    public void invalidatePage(long virtualAddress) {
        lockedRun(() -> tlb.invalidate(virtualAddress));
    }

    @Override
    public void flushTlb() {
        lockedRun(() -> tlb.flush());
    }

    // ---------------------------------------------------------------- accounting and teardown

    @Override
    public long pageTableFrames() {
        return lockedLong(() -> tableFrames);
    }

    @Override
    public long mappedPages(PageSize size) {
        return lockedLong(() -> size == PageSize.SIZE_4K ? mapped4k : mapped2m);
    }

    @Override
    public long residentFrames() {
        return lockedLong(() -> residentFrames);
    }

    @Override
    public long chargedFrames() {
        return lockedLong(() -> residentFrames + tableFrames);
    }

    @Override
    public long frameQuota() {
        return lockedLong(() -> frameQuota);
    }

    @Override
    public void setFrameQuota(long frameQuota) {
        checkQuota(frameQuota);
        lockedRun(() -> this.frameQuota = frameQuota);
    }

    /** TLB hits since creation (for tests and benchmarks). */
    public long tlbHits() {
        lock.lock();
        try {
            return tlbHits;
        } finally {
            lock.unlock();
        }
    }

    /** TLB misses since creation (for tests and benchmarks). */
    public long tlbMisses() {
        lock.lock();
        try {
            return tlbMisses;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (root == DEAD) {
                return;
            }
            freeTable(root, LEVELS);
            tlb.flush();
            root = DEAD;
            tableFrames = 0;
            mapped4k = 0;
            mapped2m = 0;
            residentFrames = 0;
        } finally {
            lock.unlock();
        }
    }

    /** Frees every owned page below {@code table}, every table below it, then the table itself. */
    private void freeTable(long table, int level) {
        for (int i = 0; i < ENTRIES; i++) {
            long entry = entry(table, i);
            if ((entry & PRESENT) == 0) {
                continue;
            }
            if (level == 1 || (level == 2 && (entry & PAGE_SIZE) != 0)) {
                if ((entry & OWNED) != 0) {
                    boolean large = level == 2;
                    mustFree(entry & (large ? LARGE_ADDRESS_MASK : ADDRESS_MASK),
                            large ? PageSize.SIZE_2M.frameOrder() : PageSize.SIZE_4K.frameOrder());
                }
            } else {
                freeTable(entry & ADDRESS_MASK, level - 1);
            }
        }
        mustFree(table, 0);
    }

    // ---------------------------------------------------------------- raw access (tests, swap)

    /**
     * The arena offset of the leaf entry that maps {@code virtualAddress}, or -1. For code that
     * edits entries behind the MMU (and must then invalidate), such as tests and, later, swap.
     */
    public long leafEntryAddress(long virtualAddress) {
        return lockedLong(() -> canonical(virtualAddress) ? findLeaf(virtualAddress) : -1);
    }

    /** Reads the entry at an arena offset. */
    public long readEntry(long entryAddress) {
        lock.lock();
        try {
            live();
            return memory.get(ENTRY, entryAddress);
        } finally {
            lock.unlock();
        }
    }

    /** Writes the entry at an arena offset without invalidating anything, as a store to memory would. */
    public void writeEntry(long entryAddress, long value) {
        lock.lock();
        try {
            live();
            memory.set(ENTRY, entryAddress, value);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Points the 4 KiB page at {@code virtualAddress} at another frame, keeping every flag (for
     * migration), or with {@code protection} and a clear dirty bit when it is not null (a
     * copy-on-write break). Never allocates. Invalidates the page's TLB entry.
     *
     * @return whether a 4 KiB page was mapped there
     */
    public boolean repoint(long virtualAddress, long frame, Protection protection) {
        lock.lock();
        try {
            live();
            long slot = canonical(virtualAddress) ? findLeaf(virtualAddress) : -1;
            if (slot < 0 || lastLeafLevel != 1) {
                return false;
            }
            long entry = memory.get(ENTRY, slot);
            long updated = (entry & ~ADDRESS_MASK) | frame;
            if (protection != null) {
                updated = (updated & ~(PROTECTION_MASK | DIRTY)) | PageTableEntryDescriptor.protectionBits(protection);
            }
            memory.set(ENTRY, slot, updated);
            tlb.invalidate(virtualAddress);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reads and clears the accessed bit of the page at {@code virtualAddress} (what a CLOCK hand
     * does), invalidating its TLB entry so that the next use sets it again.
     */
    public boolean testAndClearAccessed(long virtualAddress) {
        lock.lock();
        try {
            live();
            long slot = canonical(virtualAddress) ? findLeaf(virtualAddress) : -1;
            if (slot < 0) {
                return false;
            }
            long entry = memory.get(ENTRY, slot);
            if ((entry & ACCESSED) == 0) {
                return false;
            }
            memory.set(ENTRY, slot, entry & ~ACCESSED);
            tlb.invalidate(virtualAddress);
            return true;
        } finally {
            lock.unlock();
        }
    }

    private long entry(long table, int index) {
        return memory.get(ENTRY, table + (long) index * ENTRY_BYTES);
    }

    private long live() {
        if (root == DEAD) {
            throw new IllegalStateException("address space used after close");
        }
        return root;
    }

    /** Frees a frame this space owns; failure means the tables or the allocator are corrupt. */
    private void mustFree(long frame, int order) {
        int code = frames.freeFrames(frame, order);
        if (code != BuddyAllocator.FREE_OK) {
            throw new IllegalStateException("freeing frame 0x" + Long.toHexString(frame) + " of order " + order
                    + " failed with code " + code + ": page tables and allocator disagree");
        }
    }

    /** Runs {@code body} under the lock on a live space (the accounting and inspection calls). */
    private <T> T locked(Supplier<T> body) {
        lock.lock();
        try {
            live();
            return body.get();
        } finally {
            lock.unlock();
        }
    }

    /** {@link #locked} for a {@code long} result, unboxed. */
    private long lockedLong(LongSupplier body) {
        lock.lock();
        try {
            live();
            return body.getAsLong();
        } finally {
            lock.unlock();
        }
    }

    /** {@link #locked} for a body with no result. */
    private void lockedRun(Runnable body) {
        lock.lock();
        try {
            live();
            body.run();
        } finally {
            lock.unlock();
        }
    }
}
