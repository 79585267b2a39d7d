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
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

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

    private final VmCore core;
    private final long id;
    final PagedAddressSpace table;
    private final AddressLayout layout;
    private final TreeMap<Long, Region> regions = new TreeMap<>();
    final TreeMap<Long, Long> resident = new TreeMap<>();
    final TreeMap<Long, Integer> swapped = new TreeMap<>();
    private long frameQuota;
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
        core.lock.lock();
        try {
            live();
            return table.rootTable();
        } finally {
            core.lock.unlock();
        }
    }

    // ---------------------------------------------------------------- regions

    @Override
    public ReserveResult reserve(long start, long length, RegionKind kind, Protection protection) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(protection, "protection");
        core.lock.lock();
        try {
            live();
            return reserveLocked(start, length, kind, protection);
        } finally {
            core.lock.unlock();
        }
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
        core.lock.lock();
        try {
            live();
            ReserveResult result = reserveLocked(stackCursor - length, length, RegionKind.STACK, STACK);
            if (result instanceof ReserveResult.Reserved(Region r)) {
                stackCursor = r.guardStart();
            }
            return result;
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public ReserveResult reserveAnonymous(long length, Protection protection) {
        Objects.requireNonNull(protection, "protection");
        core.lock.lock();
        try {
            live();
            ReserveResult result = reserveLocked(mmapCursor - length, length, RegionKind.ANONYMOUS, protection);
            if (result instanceof ReserveResult.Reserved(Region r)) {
                mmapCursor = r.start();
            }
            return result;
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public ReleaseResult release(long start) {
        core.lock.lock();
        try {
            live();
            Region region = regions.remove(start);
            if (region == null) {
                return new ReleaseResult.NoRegion(start);
            }
            long dropped = 0;
            Map<Long, Long> pages = resident.subMap(region.start(), region.end());
            long residentPages = pages.size();
            for (Map.Entry<Long, Long> page : new ArrayList<>(pages.entrySet())) {
                table.unmap(page.getKey());
                core.removeMapper(page.getValue(), this, page.getKey());
            }
            pages.clear();
            Map<Long, Integer> slots = swapped.subMap(region.start(), region.end());
            for (int slot : slots.values()) {
                core.swap.unref(slot);
                dropped++;
            }
            slots.clear();
            return new ReleaseResult.Released(region, residentPages, dropped);
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public Optional<Region> regionAt(long virtualAddress) {
        core.lock.lock();
        try {
            live();
            return Optional.ofNullable(regionOf(virtualAddress));
        } finally {
            core.lock.unlock();
        }
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
    private SignalReason install(long page, long frame, Protection protection) {
        core.ensureFree(PageTableEntryDescriptor.LEVELS - 1);
        MapResult mapped = table.mapFrame(page, frame, PageSize.SIZE_4K, protection);
        if (mapped instanceof MapResult.Mapped) {
            resident.put(page, frame);
            core.addMapper(frame, this, page);
            return null;
        }
        core.freeFrame(frame);
        return mapped instanceof MapResult.QuotaExceeded ? SignalReason.QUOTA_EXCEEDED : SignalReason.OUT_OF_MEMORY;
    }

    private SignalReason demandZero(long page, Region region) {
        if (!chargeOneMore()) {
            return SignalReason.QUOTA_EXCEEDED;
        }
        long frame = core.allocateFrame();
        if (frame < 0) {
            return SignalReason.OUT_OF_MEMORY;
        }
        core.memory.asSlice(frame, PAGE).fill((byte) 0);
        SignalReason failure = install(page, frame, region.protection());
        if (failure == null) {
            core.minorFaults++;
        }
        return failure;
    }

    private SignalReason swapIn(long page, int slot, Region region) {
        if (!chargeOneMore()) {
            return SignalReason.QUOTA_EXCEEDED;
        }
        long frame = core.allocateFrame();
        if (frame < 0) {
            return SignalReason.OUT_OF_MEMORY;
        }
        try {
            core.swap.read(slot, core.memory.asSlice(frame, PAGE));
        } catch (IOException e) {
            core.freeFrame(frame);
            return SignalReason.SWAP_IO_ERROR;
        }
        SignalReason failure = install(page, frame, region.protection());
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
        if (core.refs(frame) == 1) {
            // The other sharers are gone: the page is ours again.
            table.repoint(page, frame, region.protection());
            core.cowFaults++;
            return null;
        }
        long copy = core.allocateFrame();
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
        Long frame = resident.get(page);
        if (frame == null || core.refs(frame) != 1) {
            return false;
        }
        boolean dirty = table.lookup(page).map(PageMapping::dirty).orElse(true);
        int slot = core.swap.takeCached(frame);
        if (slot >= 0 && !dirty) {
            core.swapCacheHits++;
        } else {
            if (slot >= 0 && core.swap.refs(slot) > 1) {
                // A clone still has the old content swapped out there: write elsewhere.
                core.swap.unref(slot);
                slot = -1;
            }
            if (slot < 0) {
                slot = core.swap.allocate();
                if (slot < 0) {
                    return false;
                }
            }
            try {
                core.swap.write(slot, core.memory.asSlice(frame, PAGE));
            } catch (IOException e) {
                core.swap.unref(slot);
                return false;
            }
        }
        table.unmap(page);
        resident.remove(page);
        swapped.put(page, slot);
        core.swappedOut(frame, this, page);
        return true;
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
        boolean dirty = table.lookup(page).map(PageMapping::dirty).orElse(false);
        if (dirty && core.swap != null) {
            core.swap.uncache(frame);
        }
        table.repoint(page, frame, readOnly(region.protection()));
    }

    @Override
    public SpaceResult cloneSpace() {
        core.lock.lock();
        try {
            live();
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
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public ShareResult shareCopyOnWrite(long sourceAddress, long length, VirtualAddressSpace target, long targetAddress) {
        Objects.requireNonNull(target, "target");
        core.lock.lock();
        try {
            live();
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
        } finally {
            core.lock.unlock();
        }
    }

    // ---------------------------------------------------------------- accounting

    @Override
    public long residentPages() {
        core.lock.lock();
        try {
            live();
            return resident.size();
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public long swappedPages() {
        core.lock.lock();
        try {
            live();
            return swapped.size();
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public long pageTableFrames() {
        core.lock.lock();
        try {
            live();
            return table.pageTableFrames();
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public void setFrameQuota(long frames) {
        if (frames < 1) {
            throw new IllegalArgumentException("frame quota " + frames + " cannot hold the PML4");
        }
        core.lock.lock();
        try {
            live();
            frameQuota = frames;
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public Pmap pmap() {
        core.lock.lock();
        try {
            live();
            List<PmapEntry> entries = new ArrayList<>(regions.size());
            for (Region r : regions.values()) {
                Map<Long, Long> pages = resident.subMap(r.start(), r.end());
                long shared = pages.values().stream().filter(f -> core.refs(f) > 1).count();
                entries.add(new PmapEntry(r, pages.size(), shared, swapped.subMap(r.start(), r.end()).size()));
            }
            return new Pmap(id, entries, table.pageTableFrames());
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public void close() {
        core.lock.lock();
        try {
            if (closed) {
                return;
            }
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
