package dev.kosh.memory.internal;

import dev.kosh.memory.Access;
import dev.kosh.memory.AccessKind;
import dev.kosh.memory.AddressLayout;
import dev.kosh.memory.CopyResult;
import dev.kosh.memory.MapResult;
import dev.kosh.memory.PageMapping;
import dev.kosh.memory.PageSize;
import dev.kosh.memory.Pmap;
import dev.kosh.memory.PmapEntry;
import dev.kosh.memory.RangeResult;
import dev.kosh.memory.ViewResult;
import dev.kosh.memory.Protection;
import dev.kosh.memory.Region;
import dev.kosh.memory.RegionKind;
import dev.kosh.memory.ReleaseResult;
import dev.kosh.memory.ReserveResult;
import dev.kosh.memory.ShareResult;
import dev.kosh.memory.SignalReason;
import dev.kosh.memory.SpaceResult;
import dev.kosh.memory.VirtualAddressSpace;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A {@link VirtualAddressSpace} over a {@link PagedAddressSpace}: regions reserved without
 * frames, filled on first touch (demand-zero), shared copy-on-write, swapped through
 * {@link VmCore}.
 *
 * <p>Where a page is, exactly one of: resident (in {@link #resident}, mapped in {@link #table},
 * counted in the core's reference map), swapped (in {@link #swapped}, holding one reference on
 * its slot), or untouched (in neither). The region, not the page-table entry, holds the rights:
 * a read-only entry in a writable region is a copy-on-write share.
 *
 * <p>Thread safety: the {@link VmCore}'s lock guards every field.
 */
public final class DemandPagedSpace implements VirtualAddressSpace {

    private static final long PAGE = 4096;
    private static final long USER_TOP = 0x0000_8000_0000_0000L;
    /** The guard below every stack: one page, as Linux's {@code stack_guard_gap} minimum. */
    public static final long GUARD_BYTES = PAGE;
    private static final Protection STACK = new Protection(true, false, true);
    /** Regions one space may have (Linux's {@code vm.max_map_count} is 65,530): bounds the kernel's bookkeeping. */
    public static final int MAX_REGIONS = 65_536;
    /** Views one space may have open at once. */
    public static final int MAX_VIEWS = 1_024;

    private final VmCore core;
    private final long id;
    final PagedAddressSpace table;
    private final AddressLayout layout;
    private final TreeMap<Long, Region> regions = new TreeMap<>();
    final TreeMap<Long, Long> resident = new TreeMap<>();
    final TreeMap<Long, Integer> swapped = new TreeMap<>();
    /** Open views by page; a viewed page is neither swapped out nor migrated. */
    private final TreeMap<Long, List<PageView>> views = new TreeMap<>();
    private long frameQuota;
    private long swapQuota = Long.MAX_VALUE;
    /** Evictions prepared but not yet committed (a batch being written): they count against the swap quota. */
    private int pendingEvictions;
    private long heapBreak;
    private long stackCursor;
    private long mmapCursor;
    private boolean closed;

    DemandPagedSpace(VmCore core, long id, PagedAddressSpace table, AddressLayout layout, long frameQuota) {
        this.core = core;
        this.id = id;
        this.table = table;
        this.layout = layout;
        this.frameQuota = frameQuota;
        this.stackCursor = layout.stackTop();
        this.mmapCursor = layout.mmapBase();
        this.heapBreak = layout.heapBase();
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public AddressLayout layout() {
        return layout;
    }

    @Override
    public long rootTable() {
        return lockedLong(() -> table.rootTable());
    }

    // ---------------------------------------------------------------- regions

    @Override
    public ReserveResult reserve(long start, long length, RegionKind kind, Protection protection) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(protection, "protection");
        return locked(() -> reserveLocked(start, length, kind, protection));
    }

    private ReserveResult reserveLocked(long start, long length, RegionKind kind, Protection protection) {
        if ((start & (PAGE - 1)) != 0 || length <= 0 || (length & (PAGE - 1)) != 0) {
            return new ReserveResult.Unaligned(start, length);
        }
        long guard = kind == RegionKind.STACK ? GUARD_BYTES : 0;
        if (start - guard < 0 || start > USER_TOP || length > USER_TOP - start) {
            return new ReserveResult.NonCanonical(start, length);
        }
        Region region = new Region(start, length, kind, protection, guard);
        Map.Entry<Long, Region> below = regions.lowerEntry(region.end());
        if (below != null && below.getValue().end() > region.guardStart()) {
            return new ReserveResult.Overlaps(start, length, below.getValue());
        }
        Map.Entry<Long, Region> above = regions.ceilingEntry(region.end());
        if (above != null && above.getValue().guardStart() < region.end()) {
            return new ReserveResult.Overlaps(start, length, above.getValue());
        }
        regions.put(start, region);
        return new ReserveResult.Reserved(region);
    }

    @Override
    public ReserveResult reserveStack(long length) {
        return locked(() -> {
            ReserveResult result = reserveLocked(stackCursor - length, length, RegionKind.STACK, STACK);
            if (result instanceof ReserveResult.Reserved(Region r)) {
                stackCursor = r.guardStart();
            }
            return result;
        });
    }

    @Override
    public ReserveResult reserveAnonymous(long length, Protection protection) {
        Objects.requireNonNull(protection, "protection");
        return locked(() -> {
            long start = length > 0 && (length & (PAGE - 1)) == 0 ? findFree(length) : mmapCursor - length;
            ReserveResult result = reserveLocked(start, length, RegionKind.ANONYMOUS, protection);
            if (result instanceof ReserveResult.Reserved(Region r) && r.start() < mmapCursor) {
                mmapCursor = r.start();
            }
            return result;
        });
    }

    @Override
    public ReleaseResult release(long start) {
        return locked(() -> {
            Region region = regions.remove(start);
            if (region == null) {
                return new ReleaseResult.NoRegion(start);
            }
            long[] dropped = dropPages(region.start(), region.end());
            return new ReleaseResult.Released(region, dropped[0], dropped[1]);
        });
    }

    /**
     * Unmaps every page of {@code [from, to)}: views revoked, frames unreferenced, swap slots
     * dropped. Returns {resident pages, swapped pages}. Caller holds the lock.
     */
    private long[] dropPages(long from, long to) {
        revokeViews(from, to);
        Map<Long, Long> pages = resident.subMap(from, to);
        long residentPages = pages.size();
        for (Map.Entry<Long, Long> page : new ArrayList<>(pages.entrySet())) {
            table.unmap(page.getKey());
            core.removeMapper(page.getValue(), this, page.getKey());
        }
        pages.clear();
        Map<Long, Integer> slots = swapped.subMap(from, to);
        long swappedPages = slots.size();
        for (int slot : slots.values()) {
            core.swap.unref(slot);
        }
        slots.clear();
        return new long[] {residentPages, swappedPages};
    }

    /**
     * The highest free range of {@code length} bytes at or below the mmap cursor (guards
     * included, page 0 never), or -1. Caller holds the lock.
     */
    private long findFree(long length) {
        long end = mmapCursor;
        while (end - PAGE >= length) {
            long start = end - length;
            Map.Entry<Long, Region> below = regions.lowerEntry(end);
            if (below != null && below.getValue().end() > start) {
                end = below.getValue().guardStart();
                continue;
            }
            Map.Entry<Long, Region> above = regions.ceilingEntry(end);
            if (above != null && above.getValue().guardStart() < end) {
                end = above.getValue().guardStart();
                continue;
            }
            return start;
        }
        return -1;
    }

    // ---------------------------------------------------------------- system calls on ranges

    private static RangeResult.Refused refused(RangeResult.Refusal reason, String message) {
        return new RangeResult.Refused(reason, message);
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** Null if {@code [start, start + length)} is a page-aligned, non-empty range of the user half. */
    private static RangeResult.Refused checkRange(long start, long length) {
        if ((start & (PAGE - 1)) != 0) {
            return refused(RangeResult.Refusal.UNALIGNED, "address " + hex(start) + " is not a multiple of 4096");
        }
        if (length <= 0 || (length & (PAGE - 1)) != 0) {
            return refused(RangeResult.Refusal.UNALIGNED, "length " + length + " is not a positive multiple of 4096");
        }
        if (start < 0 || start > USER_TOP || length > USER_TOP - start) {
            return refused(RangeResult.Refusal.OUT_OF_RANGE, "range " + hex(start) + " + " + length
                    + " leaves the user half (below " + hex(USER_TOP) + ")");
        }
        return null;
    }

    @Override
    public RangeResult map(long hint, long pages, Protection protection) {
        Objects.requireNonNull(protection, "protection");
        return locked(() -> {
            if (pages < 1 || pages > (USER_TOP >>> 12)) {
                return refused(RangeResult.Refusal.OUT_OF_RANGE, pages + " pages: must be 1 .. " + (USER_TOP >>> 12));
            }
            long length = pages << 12;
            RangeResult.Refused full = regionLimit(1);
            if (full != null) {
                return full;
            }
            if (hint != 0) {
                RangeResult.Refused bad = checkRange(hint, length);
                if (bad != null) {
                    return bad;
                }
                if (reserveLocked(hint, length, RegionKind.ANONYMOUS, protection) instanceof ReserveResult.Reserved(Region r)) {
                    return new RangeResult.Done(r.start(), r.length());
                }
                // Taken: like mmap without MAP_FIXED, the hint is only a hint.
            }
            long start = findFree(length);
            if (start < 0 || !(reserveLocked(start, length, RegionKind.ANONYMOUS, protection)
                    instanceof ReserveResult.Reserved(Region r))) {
                return refused(RangeResult.Refusal.NO_SPACE, "no free range of " + pages + " pages below the mmap base");
            }
            mmapCursor = Math.min(mmapCursor, r.start());
            return new RangeResult.Done(r.start(), r.length());
        });
    }

    @Override
    public RangeResult unmap(long start, long length) {
        return locked(() -> {
            RangeResult.Refused bad = checkRange(start, length);
            if (bad != null) {
                return bad;
            }
            RangeResult.Refused full = regionLimit(splits(start, start + length, false));
            if (full != null) {
                return full;
            }
            unmapLocked(start, start + length);
            return new RangeResult.Done(start, length);
        });
    }

    /** NO_SPACE if {@code more} regions would pass {@link #MAX_REGIONS}, else null. */
    private RangeResult.Refused regionLimit(int more) {
        if (regions.size() + more > MAX_REGIONS) {
            return refused(RangeResult.Refusal.NO_SPACE, "the space has " + regions.size() + " regions; at most "
                    + MAX_REGIONS + " (merge or unmap some)");
        }
        return null;
    }

    /**
     * How many regions cutting {@code [from, to)} out of (unmap) or into (protect, which keeps the
     * middle) the existing ones adds at most.
     */
    private int splits(long from, long to, boolean keepMiddle) {
        int more = 0;
        for (Region r : overlapping(from, to)) {
            int pieces = (r.start() < from ? 1 : 0) + (r.end() > to ? 1 : 0) + (keepMiddle ? 1 : 0);
            more += pieces - 1;
        }
        return Math.max(more, 0);
    }

    /** The regions that overlap {@code [from, to)}, in address order. */
    private List<Region> overlapping(long from, long to) {
        Long first = regions.floorKey(from);
        if (first == null || regions.get(first).end() <= from) {
            first = from;
        }
        return new ArrayList<>(regions.subMap(first, true, to, false).values());
    }

    /** Unmaps {@code [from, to)}: regions partly inside are cut, the part above keeps no guard. */
    private void unmapLocked(long from, long to) {
        for (Region r : overlapping(from, to)) {
            long a = Math.max(r.start(), from);
            long b = Math.min(r.end(), to);
            regions.remove(r.start());
            dropPages(a, b);
            if (r.start() < a) {
                regions.put(r.start(), new Region(r.start(), a - r.start(), r.kind(), r.protection(), r.guardBytes()));
            }
            if (b < r.end()) {
                regions.put(b, new Region(b, r.end() - b, r.kind(), r.protection(), 0));
            }
        }
    }

    @Override
    public RangeResult protect(long start, long length, Protection protection) {
        Objects.requireNonNull(protection, "protection");
        return locked(() -> {
            RangeResult.Refused bad = checkRange(start, length);
            if (bad != null) {
                return bad;
            }
            long end = start + length;
            for (long at = start; at < end; ) {
                Region r = regionOf(at);
                if (r == null) {
                    return refused(RangeResult.Refusal.NOT_MAPPED, "page " + hex(at) + " in " + hex(start) + " + "
                            + length + " is not mapped");
                }
                at = r.end();
            }
            RangeResult.Refused full = regionLimit(splits(start, end, true));
            if (full != null) {
                return full;
            }
            for (Region r : overlapping(start, end)) {
                long a = Math.max(r.start(), start);
                long b = Math.min(r.end(), end);
                regions.remove(r.start());
                if (r.start() < a) {
                    regions.put(r.start(), new Region(r.start(), a - r.start(), r.kind(), r.protection(), r.guardBytes()));
                }
                regions.put(a, new Region(a, b - a, r.kind(), protection, r.start() == a ? r.guardBytes() : 0));
                if (b < r.end()) {
                    regions.put(b, new Region(b, r.end() - b, r.kind(), r.protection(), 0));
                }
            }
            revokeViews(start, end);
            for (Map.Entry<Long, Long> page : resident.subMap(start, end).entrySet()) {
                // A shared page stays read-only: its first write still has to copy.
                Protection rights = core.refs(page.getValue()) > 1 ? readOnly(protection) : protection;
                table.protect(page.getKey(), rights);
            }
            return new RangeResult.Done(start, length);
        });
    }

    @Override
    public long heapBreak() {
        return lockedLong(() -> heapBreak);
    }

    private static long pageUp(long address) {
        return (address + PAGE - 1) & -PAGE;
    }

    @Override
    public RangeResult brk(long newBreak) {
        return locked(() -> {
            long base = layout.heapBase();
            if (newBreak < base || newBreak > USER_TOP) {
                return refused(RangeResult.Refusal.OUT_OF_RANGE, "break " + hex(newBreak) + " is below the heap base "
                        + hex(base) + " or past the user half");
            }
            long oldTop = pageUp(heapBreak);
            long newTop = pageUp(newBreak);
            if (newTop > oldTop) {
                Map.Entry<Long, Region> below = regions.lowerEntry(newTop);
                Map.Entry<Long, Region> above = regions.ceilingEntry(newTop);
                Region blocking = below != null && below.getValue().end() > oldTop ? below.getValue()
                        : above != null && above.getValue().guardStart() < newTop ? above.getValue() : null;
                if (blocking != null) {
                    return refused(RangeResult.Refusal.NO_SPACE, "the heap cannot grow to " + hex(newBreak)
                            + ": region " + hex(blocking.start()) + " + " + blocking.length() + " is in the way");
                }
                Map.Entry<Long, Region> heap = regions.lowerEntry(oldTop);
                Region h = heap == null ? null : heap.getValue();
                if (h != null && h.kind() == RegionKind.HEAP && h.end() == oldTop && h.protection().equals(Protection.USER_READ_WRITE)) {
                    regions.put(h.start(), new Region(h.start(), newTop - h.start(), RegionKind.HEAP, h.protection(), 0));
                } else {
                    RangeResult.Refused full = regionLimit(1);
                    if (full != null) {
                        return full;
                    }
                    regions.put(oldTop, new Region(oldTop, newTop - oldTop, RegionKind.HEAP, Protection.USER_READ_WRITE, 0));
                }
            } else if (newTop < oldTop) {
                unmapLocked(newTop, oldTop);
            }
            heapBreak = newBreak;
            return new RangeResult.Done(base, newBreak - base);
        });
    }

    // ---------------------------------------------------------------- views

    @Override
    public ViewResult view(long start, long length, AccessKind access) {
        Objects.requireNonNull(access, "access");
        return locked(() -> {
            if (access == AccessKind.EXECUTE) {
                return new ViewResult.Refused(RangeResult.Refusal.INVALID, "a view is for reading or writing, not executing");
            }
            int open = views.values().stream().mapToInt(List::size).sum();
            if (open >= MAX_VIEWS) {
                return new ViewResult.Refused(RangeResult.Refusal.NO_SPACE, open + " views are open; at most " + MAX_VIEWS);
            }
            if (length < 1 || length > PAGE - (start & (PAGE - 1))) {
                return new ViewResult.Refused(RangeResult.Refusal.OUT_OF_RANGE, "a view of " + length + " bytes at "
                        + hex(start) + " must be 1 .. " + (PAGE - (start & (PAGE - 1))) + " bytes: it lies inside one page");
            }
            Access a = accessLocked(start, access, true);
            if (a instanceof Access.Signal signal) {
                core.signals++;
                return new ViewResult.Faulted(signal);
            }
            long pa = ((Access.Resolved) a).physicalAddress();
            Arena arena = Arena.ofShared();
            MemorySegment segment = MemorySegment.ofAddress(core.memory.address() + pa).reinterpret(length, arena, null);
            PageView view = new PageView(this, start, arena, access == AccessKind.WRITE ? segment : segment.asReadOnly());
            views.computeIfAbsent(view.page(), p -> new ArrayList<>(1)).add(view);
            return new ViewResult.Viewed(view);
        });
    }

    /** Closes a view (its owner did). */
    void dropView(PageView view) {
        core.lock.lock();
        try {
            List<PageView> list = views.get(view.page());
            if (list != null && list.remove(view) && list.isEmpty()) {
                views.remove(view.page());
            }
            view.revoke();
        } finally {
            core.lock.unlock();
        }
    }

    /** The kernel changes the mappings of {@code [from, to)}: every view there ends. Caller holds the lock. */
    private void revokeViews(long from, long to) {
        Map<Long, List<PageView>> hit = views.subMap(from, to);
        for (List<PageView> list : hit.values()) {
            list.forEach(PageView::revoke);
        }
        hit.clear();
    }

    /** Whether a view of the page is open (it must not move). Caller holds the lock. */
    boolean hasViews(long page) {
        return views.containsKey(page);
    }

    /** Whether the page may go to swap: no view open and the swap quota not used up. Caller holds the lock. */
    boolean maySwapOut(long page) {
        return maySwapOut(page, 0);
    }

    /** The same, with {@code extra} more slots allowed (a swap-in about to give one back). */
    private boolean maySwapOut(long page, int extra) {
        return core.swap != null && swapped.size() + pendingEvictions - extra < swapQuota && !views.containsKey(page);
    }

    @Override
    public Optional<Region> regionAt(long virtualAddress) {
        return locked(() -> Optional.ofNullable(regionOf(virtualAddress)));
    }

    private Region regionOf(long virtualAddress) {
        Map.Entry<Long, Region> e = regions.floorEntry(virtualAddress);
        return e != null && e.getValue().contains(virtualAddress) ? e.getValue() : null;
    }

    private boolean inGuard(long virtualAddress) {
        Map.Entry<Long, Region> e = regions.higherEntry(virtualAddress);
        return e != null && e.getValue().guards(virtualAddress);
    }

    // ---------------------------------------------------------------- faults

    @Override
    public Access access(long virtualAddress, AccessKind access, boolean userMode) {
        Objects.requireNonNull(access, "access");
        core.lock.lock();
        try {
            live();
            Access result = accessLocked(virtualAddress, access, userMode);
            if (result instanceof Access.Signal) {
                core.signals++;
            }
            return result;
        } finally {
            core.lock.unlock();
        }
    }

    private Access accessLocked(long va, AccessKind access, boolean userMode) {
        long pa = table.translateRaw(va, access, userMode);
        if (pa >= 0) {
            return new Access.Resolved(va, pa, Access.Fault.NONE);
        }
        if (pa == PagedAddressSpace.FAULT_NON_CANONICAL) {
            return new Access.Signal(va, access, SignalReason.NON_CANONICAL);
        }
        Region region = regionOf(va);
        if (region == null) {
            return new Access.Signal(va, access, inGuard(va) ? SignalReason.GUARD_PAGE : SignalReason.UNMAPPED);
        }
        if (!region.protection().permits(access, userMode)) {
            return new Access.Signal(va, access,
                    access == AccessKind.EXECUTE ? SignalReason.NO_EXECUTE : SignalReason.PROTECTION);
        }
        long page = va & -PAGE;
        Access.Fault fault;
        SignalReason failure;
        if (pa == PagedAddressSpace.FAULT_NOT_PRESENT) {
            Integer slot = swapped.get(page);
            fault = slot == null ? Access.Fault.MINOR : Access.Fault.MAJOR;
            failure = slot == null ? demandZero(page, region) : swapIn(page, slot, region);
        } else if (pa == PagedAddressSpace.FAULT_PROTECTION && access == AccessKind.WRITE) {
            fault = Access.Fault.COPY_ON_WRITE;
            failure = breakShare(page, region);
        } else {
            // The region allows it but the entry does not, and it is no share: a kernel bug.
            throw new IllegalStateException("space " + id + ": fault " + pa + " at 0x" + Long.toHexString(va)
                    + " inside region " + region + " that allows " + access);
        }
        if (failure != null) {
            return new Access.Signal(va, access, failure);
        }
        long resolved = table.translateRaw(va, access, userMode);
        if (resolved < 0) {
            throw new IllegalStateException("space " + id + ": 0x" + Long.toHexString(va)
                    + " still faults (" + resolved + ") after its " + fault + " fault was resolved");
        }
        return new Access.Resolved(va, resolved, fault);
    }

    /** Whether one more resident frame fits the quota; sets the page table's share of it. */
    private boolean chargeOneMore() {
        if (frameQuota == Long.MAX_VALUE) {
            return true;
        }
        long left = frameQuota - resident.size() - 1;
        if (left < table.pageTableFrames()) {
            return false;
        }
        table.setFrameQuota(left);
        return true;
    }

    /** Maps a frame this space just got; null, or why not (the frame is then freed). */
    private SignalReason install(long page, long frame, Protection protection, int extra) {
        core.ensureFree(PageTableEntryDescriptor.LEVELS - 1);
        MapResult mapped = table.mapFrame(page, frame, PageSize.SIZE_4K, protection);
        // The page tables this page needs may not fit the quota either: more of our own pages go to swap.
        while (mapped instanceof MapResult.QuotaExceeded && evictOwn(page, extra) && chargeOneMore()) {
            mapped = table.mapFrame(page, frame, PageSize.SIZE_4K, protection);
        }
        if (mapped instanceof MapResult.Mapped) {
            resident.put(page, frame);
            core.addMapper(frame, this, page);
            return null;
        }
        core.freeFrame(frame);
        return mapped instanceof MapResult.QuotaExceeded ? SignalReason.QUOTA_EXCEEDED : SignalReason.OUT_OF_MEMORY;
    }

    /**
     * At the frame quota: makes room by sending one of this space's own pages (not
     * {@code exclude}, unshared, not viewed) to swap, a cold one (accessed bit clear) if there is
     * one. False when the swap quota or the device is full.
     */
    private boolean evictOwn(long exclude, int extra) {
        if (core.swap == null || swapped.size() + pendingEvictions - extra >= swapQuota) {
            return false;
        }
        long warm = -1;
        for (Map.Entry<Long, Long> page : resident.entrySet()) {
            long va = page.getKey();
            if (va == exclude || core.refs(page.getValue()) != 1 || views.containsKey(va)) {
                continue;
            }
            if (!table.testAndClearAccessed(va)) {
                return evict(va, extra);
            }
            if (warm < 0) {
                warm = va;
            }
        }
        return warm >= 0 && evict(warm, extra);
    }

    /**
     * Whether one more frame fits, after swapping one of our own pages out if needed; a page
     * coming back from swap ({@code swappingIn}) frees its slot, so it may take one more first.
     */
    private boolean makeRoom(long page, boolean swappingIn) {
        int extra = swappingIn ? 1 : 0;
        while (!chargeOneMore()) {
            if (!evictOwn(page, extra)) {
                return false;
            }
        }
        return true;
    }

    private SignalReason demandZero(long page, Region region) {
        if (!makeRoom(page, false)) {
            return SignalReason.QUOTA_EXCEEDED;
        }
        long frame = core.allocateFrameForFault(this);
        if (frame < 0) {
            return SignalReason.OUT_OF_MEMORY;
        }
        core.memory.asSlice(frame, PAGE).fill((byte) 0);
        SignalReason failure = install(page, frame, region.protection(), 0);
        if (failure == null) {
            core.minorFaults++;
        }
        return failure;
    }

    private SignalReason swapIn(long page, int slot, Region region) {
        if (!makeRoom(page, true)) {
            return SignalReason.QUOTA_EXCEEDED;
        }
        long frame = core.allocateFrameForFault(this);
        if (frame < 0) {
            return SignalReason.OUT_OF_MEMORY;
        }
        try {
            core.swap.read(slot, core.memory.asSlice(frame, PAGE));
        } catch (IOException e) {
            core.freeFrame(frame);
            return SignalReason.SWAP_IO_ERROR;
        }
        SignalReason failure = install(page, frame, region.protection(), 1);
        if (failure == null) {
            swapped.remove(page);
            // Our slot reference moves to the swap cache: while the page stays clean, the slot still holds it.
            core.swap.cache(frame, slot);
            core.majorFaults++;
            core.swapIns++;
        }
        return failure;
    }

    private SignalReason breakShare(long page, Region region) {
        long frame = resident.get(page);
        revokeViews(page, page + PAGE);
        if (core.refs(frame) == 1) {
            // The other sharers are gone: the page is ours again.
            table.repoint(page, frame, region.protection());
            core.cowFaults++;
            return null;
        }
        long copy = core.allocateFrameForFault(this);
        if (copy < 0) {
            return SignalReason.OUT_OF_MEMORY;
        }
        MemorySegment.copy(core.memory, frame, core.memory, copy, PAGE);
        table.repoint(page, copy, region.protection());
        resident.put(page, copy);
        core.removeMapper(frame, this, page);
        core.addMapper(copy, this, page);
        core.cowFaults++;
        return null;
    }

    /** Sends a resident, unshared page to swap. Caller holds the lock. */
    boolean evict(long page) {
        return evict(page, 0);
    }

    private boolean evict(long page, int extra) {
        PendingEviction p = prepareEvict(page, extra);
        if (p == null) {
            return false;
        }
        if (p.write()) {
            try {
                core.swap.write(p.slot(), core.memory.asSlice(p.frame(), PAGE));
            } catch (IOException e) {
                abortEvict(p);
                return false;
            }
        }
        commitEvict(p);
        return true;
    }

    /**
     * A page on its way to swap: its slot is chosen (and held), nothing else changed yet.
     *
     * @param write whether the slot must be written (false: a clean page whose slot still holds it)
     */
    record PendingEviction(DemandPagedSpace space, long page, long frame, int slot, boolean write) {}

    /**
     * First half of an eviction: checks the page may go, picks its slot (the swap cache's if the
     * page is clean, else a free one). Null if it may not go or no slot is free. Between this and
     * {@link #commitEvict}/{@link #abortEvict} the VM lock must stay held. Caller holds the lock.
     */
    PendingEviction prepareEvict(long page, int extra) {
        Long frame = resident.get(page);
        if (frame == null || core.refs(frame) != 1 || !maySwapOut(page, extra)) {
            return null;
        }
        boolean dirty = table.lookup(page).map(PageMapping::dirty).orElse(true);
        int slot = core.swap.takeCached(frame);
        boolean write = slot < 0 || dirty;
        if (write) {
            if (slot >= 0 && core.swap.refs(slot) > 1) {
                // A clone still has the old content swapped out there: write elsewhere.
                core.swap.unref(slot);
                slot = -1;
            }
            if (slot < 0) {
                slot = core.swap.allocate();
                if (slot < 0) {
                    return null;
                }
            }
        }
        pendingEvictions++;
        return new PendingEviction(this, page, frame, slot, write);
    }

    /** Second half: the page leaves its frame for its slot. Caller holds the lock. */
    void commitEvict(PendingEviction p) {
        pendingEvictions--;
        if (!p.write()) {
            core.swapCacheHits++;
        }
        table.unmap(p.page());
        resident.remove(p.page());
        swapped.put(p.page(), p.slot());
        core.swappedOut(p.frame(), this, p.page());
    }

    /** The write failed: the page stays resident, its slot is given up. Caller holds the lock. */
    void abortEvict(PendingEviction p) {
        pendingEvictions--;
        core.swap.unref(p.slot());
    }

    // ---------------------------------------------------------------- copies

    @Override
    public CopyResult read(long virtualAddress, byte[] into) {
        return copy(virtualAddress, into, false);
    }

    @Override
    public CopyResult write(long virtualAddress, byte[] from) {
        return copy(virtualAddress, from, true);
    }

    private CopyResult copy(long va, byte[] bytes, boolean write) {
        core.lock.lock();
        try {
            live();
            int done = 0;
            while (done < bytes.length) {
                long at = va + done;
                Access a = accessLocked(at, write ? AccessKind.WRITE : AccessKind.READ, true);
                if (a instanceof Access.Signal signal) {
                    core.signals++;
                    return new CopyResult.Faulted(done, signal);
                }
                long pa = ((Access.Resolved) a).physicalAddress();
                int n = (int) Math.min(bytes.length - done, PAGE - (at & (PAGE - 1)));
                MemorySegment target = core.memory.asSlice(pa, n);
                if (write) {
                    MemorySegment.copy(MemorySegment.ofArray(bytes), done, target, 0, n);
                } else {
                    MemorySegment.copy(target, 0, MemorySegment.ofArray(bytes), done, n);
                }
                done += n;
            }
            return new CopyResult.Copied(done);
        } finally {
            core.lock.unlock();
        }
    }

    // ---------------------------------------------------------------- sharing

    private static Protection readOnly(Protection p) {
        return new Protection(false, p.executable(), p.user());
    }

    /** Makes this space's entry for a resident page read-only, keeping the frame; forgets a dirty page's swap slot. */
    private void writeProtect(long page, long frame, Region region) {
        revokeViews(page, page + PAGE);
        boolean dirty = table.lookup(page).map(PageMapping::dirty).orElse(false);
        if (dirty && core.swap != null) {
            core.swap.uncache(frame);
        }
        table.repoint(page, frame, readOnly(region.protection()));
    }

    @Override
    public SpaceResult cloneSpace() {
        return locked(() -> {
            DemandPagedSpace child = core.createSpace(layout, frameQuota);
            if (child == null) {
                return new SpaceResult.OutOfMemory();
            }
            child.regions.putAll(regions);
            child.stackCursor = stackCursor;
            child.mmapCursor = mmapCursor;
            for (Map.Entry<Long, Long> page : resident.entrySet()) {
                Region region = regionOf(page.getKey());
                core.ensureFree(PageTableEntryDescriptor.LEVELS - 1);
                writeProtect(page.getKey(), page.getValue(), region);
                MapResult mapped = child.table.mapFrame(page.getKey(), page.getValue(), PageSize.SIZE_4K,
                        readOnly(region.protection()));
                if (!(mapped instanceof MapResult.Mapped)) {
                    child.close();
                    return new SpaceResult.OutOfMemory();
                }
                child.resident.put(page.getKey(), page.getValue());
                core.addMapper(page.getValue(), child, page.getKey());
            }
            for (Map.Entry<Long, Integer> page : swapped.entrySet()) {
                core.swap.ref(page.getValue());
                child.swapped.put(page.getKey(), page.getValue());
            }
            return new SpaceResult.Created(child);
        });
    }

    @Override
    public ShareResult shareCopyOnWrite(long sourceAddress, long length, VirtualAddressSpace target, long targetAddress) {
        Objects.requireNonNull(target, "target");
        return locked(() -> {
            if (!(target instanceof DemandPagedSpace other) || other.core != core) {
                return new ShareResult.ForeignSpace();
            }
            other.live();
            if (((sourceAddress | targetAddress | length) & (PAGE - 1)) != 0 || length <= 0) {
                return new ShareResult.Unaligned(sourceAddress, targetAddress, length);
            }
            Region from = regionOf(sourceAddress);
            if (from == null || length > from.end() - sourceAddress) {
                return new ShareResult.SourceNotReserved(sourceAddress, length);
            }
            Region to = other.regionOf(targetAddress);
            if (to == null || length > to.end() - targetAddress || other == this
                    || !other.resident.subMap(targetAddress, targetAddress + length).isEmpty()
                    || !other.swapped.subMap(targetAddress, targetAddress + length).isEmpty()) {
                return new ShareResult.TargetNotEmpty(targetAddress, length);
            }
            for (long off = 0; off < length; off += PAGE) {
                if (!resident.containsKey(sourceAddress + off)) {
                    Access a = accessLocked(sourceAddress + off, AccessKind.READ, false);
                    if (a instanceof Access.Signal signal) {
                        return new ShareResult.Faulted(signal);
                    }
                }
            }
            if (other.closed) {
                // The out-of-memory policy took the target while the source was brought in.
                return new ShareResult.Faulted(new Access.Signal(targetAddress, AccessKind.WRITE, SignalReason.OUT_OF_MEMORY));
            }
            for (long off = 0; off < length; off += PAGE) {
                long frame = resident.get(sourceAddress + off);
                writeProtect(sourceAddress + off, frame, from);
                MapResult mapped = other.table.mapFrame(targetAddress + off, frame, PageSize.SIZE_4K,
                        readOnly(to.protection()));
                if (!(mapped instanceof MapResult.Mapped)) {
                    for (long back = 0; back < off; back += PAGE) {
                        other.table.unmap(targetAddress + back);
                        core.removeMapper(other.resident.remove(targetAddress + back), other, targetAddress + back);
                    }
                    return new ShareResult.Faulted(new Access.Signal(targetAddress + off, AccessKind.WRITE,
                            SignalReason.OUT_OF_MEMORY));
                }
                other.resident.put(targetAddress + off, frame);
                core.addMapper(frame, other, targetAddress + off);
            }
            return new ShareResult.Shared(length / PAGE);
        });
    }

    // ---------------------------------------------------------------- accounting

    @Override
    public long residentPages() {
        return lockedLong(() -> resident.size());
    }

    @Override
    public long swappedPages() {
        return lockedLong(() -> swapped.size());
    }

    @Override
    public long pageTableFrames() {
        return lockedLong(() -> table.pageTableFrames());
    }

    @Override
    public void setFrameQuota(long frames) {
        if (frames < 1) {
            throw new IllegalArgumentException("frame quota " + frames + " cannot hold the PML4");
        }
        lockedRun(() -> frameQuota = frames);
    }

    @Override
    public void setSwapQuota(long pages) {
        if (pages < 0) {
            throw new IllegalArgumentException("swap quota " + pages + " is negative");
        }
        lockedRun(() -> swapQuota = pages);
    }

    @Override
    public long frameQuota() {
        return lockedLong(() -> frameQuota);
    }

    @Override
    public long swapQuota() {
        return lockedLong(() -> swapQuota);
    }

    @Override
    public Pmap pmap() {
        return locked(() -> {
            List<PmapEntry> entries = new ArrayList<>(regions.size());
            for (Region r : regions.values()) {
                Map<Long, Long> pages = resident.subMap(r.start(), r.end());
                long shared = pages.values().stream().filter(f -> core.refs(f) > 1).count();
                entries.add(new PmapEntry(r, pages.size(), shared, swapped.subMap(r.start(), r.end()).size()));
            }
            return new Pmap(id, entries, table.pageTableFrames());
        });
    }

    @Override
    public void close() {
        core.lock.lock();
        try {
            if (closed) {
                return;
            }
            revokeViews(Long.MIN_VALUE, Long.MAX_VALUE);
            for (Map.Entry<Long, Long> page : resident.entrySet()) {
                core.removeMapper(page.getValue(), this, page.getKey());
            }
            resident.clear();
            for (int slot : swapped.values()) {
                core.swap.unref(slot);
            }
            swapped.clear();
            regions.clear();
            // The data frames were never the table's: close frees only its tables.
            table.close();
            core.forget(this);
            closed = true;
        } finally {
            core.lock.unlock();
        }
    }

    /**
     * Runs {@code body} under the core's lock on a live space: the locking discipline of every
     * operation except the fault path ({@link #access}, {@link #copy}), which keeps it inline so a
     * fault allocates no lambda.
     */
    private <T> T locked(Supplier<T> body) {
        core.lock.lock();
        try {
            live();
            return body.get();
        } finally {
            core.lock.unlock();
        }
    }

    /** {@link #locked} for a {@code long} result, unboxed. */
    private long lockedLong(LongSupplier body) {
        core.lock.lock();
        try {
            live();
            return body.getAsLong();
        } finally {
            core.lock.unlock();
        }
    }

    /** {@link #locked} for a body with no result. */
    private void lockedRun(Runnable body) {
        core.lock.lock();
        try {
            live();
            body.run();
        } finally {
            core.lock.unlock();
        }
    }

    private void live() {
        if (closed) {
            throw new IllegalStateException("address space " + id + " used after close");
        }
    }

    @Override
    public String toString() {
        return "DemandPagedSpace[" + id + "]";
    }
}
