package dev.kosh.memory.internal;

import dev.kosh.memory.AddressLayout;
import dev.kosh.memory.AllocResult;
import dev.kosh.memory.CreateSpaceResult;
import dev.kosh.memory.OutOfMemoryHandler;
import dev.kosh.memory.OutOfMemoryVictim;
import dev.kosh.memory.SpaceResult;
import dev.kosh.memory.VmConfig;
import dev.kosh.memory.VmStats;
import dev.kosh.memory.spi.SwapAlgorithm;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;

/**
 * The state the address spaces of one physical memory share: a reference count and a reverse
 * map (which pages map it) per data frame, the swap device and its replacement policy, the
 * fault and swap counters, and compaction.
 *
 * <p>Data frames of {@link DemandPagedSpace}s are mapped into their page tables as
 * caller-owned frames ({@code mapFrame}): this class, not the page table, decides when one is
 * freed (when its last mapper goes). Page-table frames stay the page table's own and are not
 * movable.
 *
 * <p>Thread safety: {@link #lock} guards everything here and every {@link DemandPagedSpace}'s
 * fields. Lock order: this lock, then a page table's lock, then the allocator's.
 */
public final class VmCore implements AutoCloseable {

    /** One page of one space that maps a frame. */
    record Mapper(DemandPagedSpace space, long virtualAddress) {}

    final ReentrantLock lock = new ReentrantLock();
    /** Signalled when an allocation leaves fewer than {@link #lowWatermark} frames free. */
    private final java.util.concurrent.locks.Condition pressure = lock.newCondition();
    private long lowWatermark;
    private long highWatermark;
    private boolean closedCore;
    final MemorySegment memory;
    final BuddyAllocator frames;
    final SwapManager swap;
    final SwapAlgorithm algorithm;
    private final RandomGenerator random;
    private final boolean aslr;
    private final int[] refs;
    private final Map<Long, List<Mapper>> reverse = new HashMap<>();
    private final Map<Long, DemandPagedSpace> spaces = new HashMap<>();
    private final SwapAlgorithm.Probe probe = new SwapAlgorithm.Probe() {
        @Override
        public boolean testAndClearAccessed(SwapAlgorithm.Page page) {
            DemandPagedSpace space = spaces.get(page.spaceId());
            return space != null && space.table.testAndClearAccessed(page.virtualAddress());
        }

        @Override
        public boolean evictable(SwapAlgorithm.Page page) {
            DemandPagedSpace space = spaces.get(page.spaceId());
            if (space == null) {
                return false;
            }
            Long frame = space.resident.get(page.virtualAddress());
            return frame != null && refs[frameIndex(frame)] == 1 && space.maySwapOut(page.virtualAddress());
        }
    };
    private long nextId = 1;
    private OutOfMemoryHandler oomHandler;
    private boolean inOomHandler;

    long minorFaults;
    long majorFaults;
    long cowFaults;
    long signals;
    long swapOuts;
    long swapIns;
    long swapCacheHits;
    long compactions;
    long migratedFrames;
    long oomKills;
    long backgroundReclaims;

    public VmCore(MemorySegment memory, BuddyAllocator frames, VmConfig config) throws IOException {
        this.memory = memory;
        this.frames = frames;
        this.random = config.random();
        this.aslr = config.aslr();
        this.refs = new int[frames.frameCount()];
        this.swap = config.swapFile() == null ? null : SwapManager.open(config.swapFile(), config.swapSlots(), config.swapBackend());
        this.algorithm = config.swapAlgorithm() == null ? new ClockSwapAlgorithm() : config.swapAlgorithm();
    }

    private static int frameIndex(long frame) {
        return (int) (frame >>> 12);
    }

    // ---------------------------------------------------------------- spaces

    /** A new empty space with a random layout, or OutOfMemory. */
    public SpaceResult newSpace(long frameQuota) {
        lock.lock();
        try {
            DemandPagedSpace space = createSpace(randomLayout(), frameQuota);
            return space == null ? new SpaceResult.OutOfMemory() : new SpaceResult.Created(space);
        } finally {
            lock.unlock();
        }
    }

    /** Caller holds the lock. Null when no frame is left for the PML4. */
    DemandPagedSpace createSpace(AddressLayout layout, long frameQuota) {
        ensureFree(1);
        CreateSpaceResult created = PagedAddressSpace.create(memory, frames);
        if (!(created instanceof CreateSpaceResult.Created(var table))) {
            return null;
        }
        DemandPagedSpace space = new DemandPagedSpace(this, nextId++, (PagedAddressSpace) table, layout, frameQuota);
        spaces.put(space.id(), space);
        return space;
    }

    void forget(DemandPagedSpace space) {
        spaces.remove(space.id());
    }

    private AddressLayout randomLayout() {
        if (!aslr) {
            return AddressLayout.of(0, 0, 0);
        }
        return AddressLayout.of(random.nextLong(1L << AddressLayout.HEAP_ENTROPY_BITS),
                random.nextLong(1L << AddressLayout.MMAP_ENTROPY_BITS),
                random.nextLong(1L << AddressLayout.STACK_ENTROPY_BITS));
    }

    /** The swap device's mechanism and file, or "no swap". */
    public String swapDevice() {
        return swap == null ? "no swap" : swap.describe();
    }

    /** Live spaces. */
    public int spaceCount() {
        lock.lock();
        try {
            return spaces.size();
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- frames

    /** An order-0 frame, reclaiming pages to swap if none is free; -1 if none can be found. Caller holds the lock. */
    long allocateFrame() {
        long frame = frames.allocateFrames(0);
        while (frame < 0 && reclaimOne()) {
            frame = frames.allocateFrames(0);
        }
        if (lowWatermark > 0 && frames.freeFrameCount() < lowWatermark) {
            pressure.signalAll();
        }
        return frame;
    }

    /** Sets the pressure monitor's watermarks (0, 0: none). */
    public void setWatermarks(long low, long high) {
        if (low < 0 || high < low) {
            throw new IllegalArgumentException("watermarks low " + low + ", high " + high);
        }
        lock.lock();
        try {
            lowWatermark = low;
            highWatermark = high;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until fewer than the low watermark of frames are free (true) or {@code timeoutNanos}
     * passed (false). Interruptible; throws IllegalStateException once the VM closed (a waiting
     * monitor is woken to end).
     */
    public boolean awaitPressure(long timeoutNanos) throws InterruptedException {
        lock.lockInterruptibly(); // an interrupted monitor stops here even under constant pressure
        try {
            long left = timeoutNanos;
            while (!closedCore && (lowWatermark == 0 || frames.freeFrameCount() >= lowWatermark)) {
                if (left <= 0) {
                    return false;
                }
                left = pressure.awaitNanos(left);
            }
            if (closedCore) {
                throw new IllegalStateException("the virtual memory closed");
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Swaps pages out until the high watermark of frames is free or nothing more can go; returns how many went. */
    public long reclaimToHighWatermark() {
        lock.lock();
        try {
            long done = 0;
            while (frames.freeFrameCount() < highWatermark) {
                long went = reclaimBatch((int) Math.min(RECLAIM_BATCH, highWatermark - frames.freeFrameCount()));
                if (went == 0) {
                    break;
                }
                done += went;
            }
            backgroundReclaims += done;
            return done;
        } finally {
            lock.unlock();
        }
    }

    /**
     * An order-0 frame for a fault of {@code requester}: as {@link #allocateFrame()}, and when
     * the whole system is out of frames and swap, the out-of-memory policy: the largest space
     * (resident + swapped pages) is offered to the handler; if its owner is being killed and it
     * is not the requester, its space is closed here (everything it held goes back) and the
     * allocation retried. -1 if still none. Caller holds the lock.
     */
    long allocateFrameForFault(DemandPagedSpace requester) {
        long frame = allocateFrame();
        while (frame < 0 && oomHandler != null && !inOomHandler) {
            DemandPagedSpace victim = largestSpace();
            if (victim == null) {
                return -1;
            }
            OutOfMemoryVictim v = new OutOfMemoryVictim(victim.id(), victim.resident.size(), victim.swapped.size(),
                    requester.id(), spaces.size());
            boolean killed;
            inOomHandler = true;
            try {
                killed = oomHandler.outOfMemory(v);
            } finally {
                inOomHandler = false;
            }
            if (!killed) {
                return -1;
            }
            oomKills++;
            if (victim == requester) {
                // Its owner dies; the space is closed when the process is reaped, not under its own fault.
                return -1;
            }
            victim.close();
            frame = allocateFrame();
        }
        return frame;
    }

    /** The live space with the most resident + swapped pages (lowest id on a tie), or null. */
    private DemandPagedSpace largestSpace() {
        DemandPagedSpace best = null;
        for (DemandPagedSpace s : spaces.values()) {
            long size = s.resident.size() + s.swapped.size();
            if (best == null || size > best.resident.size() + best.swapped.size()
                    || (size == best.resident.size() + best.swapped.size() && s.id() < best.id())) {
                best = s;
            }
        }
        return best;
    }

    public void setOutOfMemoryHandler(OutOfMemoryHandler handler) {
        lock.lock();
        try {
            this.oomHandler = handler;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reclaims pages until {@code n} frames are free (or nothing more can go), so that the page
     * tables a map or a new space needs, which the page table takes from the allocator directly,
     * find frames under pressure too. Caller holds the lock.
     */
    void ensureFree(int n) {
        while (frames.freeFrameCount() < n && reclaimOne()) {
            // each round evicted one page
        }
    }

    void freeFrame(long frame) {
        int code = frames.freeFrames(frame, 0);
        if (code != BuddyAllocator.FREE_OK) {
            throw new IllegalStateException("freeing data frame 0x" + Long.toHexString(frame)
                    + " failed with code " + code + ": reference counts and allocator disagree");
        }
    }

    int refs(long frame) {
        return refs[frameIndex(frame)];
    }

    /** Records that {@code space} maps {@code frame} at {@code va}. Caller holds the lock. */
    void addMapper(long frame, DemandPagedSpace space, long va) {
        refs[frameIndex(frame)]++;
        reverse.computeIfAbsent(frame, f -> new ArrayList<>(1)).add(new Mapper(space, va));
        algorithm.resident(new SwapAlgorithm.Page(space.id(), va));
    }

    /** Drops a mapping; the last one frees the frame. Caller holds the lock. */
    void removeMapper(long frame, DemandPagedSpace space, long va) {
        List<Mapper> mappers = reverse.get(frame);
        if (mappers == null || !mappers.remove(new Mapper(space, va))) {
            throw new IllegalStateException("frame 0x" + Long.toHexString(frame) + " has no mapping at 0x"
                    + Long.toHexString(va) + " in space " + space.id());
        }
        algorithm.removed(new SwapAlgorithm.Page(space.id(), va));
        if (--refs[frameIndex(frame)] == 0) {
            reverse.remove(frame);
            if (swap != null) {
                swap.uncache(frame);
            }
            freeFrame(frame);
        }
    }

    // ---------------------------------------------------------------- swap

    /** Evicts one page chosen by the algorithm. Caller holds the lock. */
    boolean reclaimOne() {
        if (swap == null) {
            return false;
        }
        SwapAlgorithm.Page victim = algorithm.victim(probe);
        if (victim == null) {
            return false;
        }
        DemandPagedSpace space = spaces.get(victim.spaceId());
        if (space != null && space.evict(victim.virtualAddress())) {
            return true;
        }
        if (space != null && space.resident.containsKey(victim.virtualAddress())) {
            algorithm.resident(victim);
        }
        return false;
    }

    /** Pages one batched reclaim writes in one go (one io_uring submission). */
    static final int RECLAIM_BATCH = 32;

    /** Evicts up to {@code pages} pages, in batches whose writes go to the device together; returns how many went. */
    public long reclaim(long pages) {
        lock.lock();
        try {
            long done = 0;
            while (done < pages) {
                long went = reclaimBatch((int) Math.min(RECLAIM_BATCH, pages - done));
                if (went == 0) {
                    break;
                }
                done += went;
            }
            return done;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Evicts up to {@code max} pages chosen by the algorithm: every eviction is prepared (slot
     * chosen), the slots that need it are written in one batch, then every eviction is committed;
     * if the batch fails, every page stays resident. Caller holds the lock.
     */
    private long reclaimBatch(int max) {
        if (swap == null) {
            return 0;
        }
        List<DemandPagedSpace.PendingEviction> batch = new ArrayList<>(max);
        while (batch.size() < max) {
            SwapAlgorithm.Page victim = algorithm.victim(probe);
            if (victim == null) {
                break;
            }
            DemandPagedSpace space = spaces.get(victim.spaceId());
            DemandPagedSpace.PendingEviction p = space == null ? null : space.prepareEvict(victim.virtualAddress(), 0);
            if (p == null) {
                if (space != null && space.resident.containsKey(victim.virtualAddress())) {
                    algorithm.resident(victim);
                }
                break;
            }
            batch.add(p);
        }
        int writes = 0;
        int[] slots = new int[batch.size()];
        MemorySegment[] pages = new MemorySegment[batch.size()];
        for (DemandPagedSpace.PendingEviction p : batch) {
            if (p.write()) {
                slots[writes] = p.slot();
                pages[writes++] = memory.asSlice(p.frame(), 4096);
            }
        }
        try {
            swap.writeBatch(slots, pages, writes);
        } catch (IOException e) {
            for (DemandPagedSpace.PendingEviction p : batch) {
                p.space().abortEvict(p);
                algorithm.resident(new SwapAlgorithm.Page(p.space().id(), p.page()));
            }
            return 0;
        }
        for (DemandPagedSpace.PendingEviction p : batch) {
            p.space().commitEvict(p);
        }
        return batch.size();
    }

    /** Records the frame's only mapping being swapped out: frees the frame. Caller holds the lock. */
    void swappedOut(long frame, DemandPagedSpace space, long va) {
        List<Mapper> mappers = reverse.remove(frame);
        if (mappers == null || mappers.size() != 1 || !mappers.get(0).equals(new Mapper(space, va))) {
            throw new IllegalStateException("swapped out frame 0x" + Long.toHexString(frame) + " was shared");
        }
        refs[frameIndex(frame)] = 0;
        algorithm.removed(new SwapAlgorithm.Page(space.id(), va));
        freeFrame(frame);
        swapOuts++;
    }

    // ---------------------------------------------------------------- compaction

    /**
     * {@code 2^order} contiguous frames; when none is free, migrates movable data frames out of
     * the aligned block that needs the fewest moves and takes that block.
     */
    public AllocResult allocateContiguous(int order) {
        lock.lock();
        try {
            AllocResult first = frames.allocate(order);
            if (!(first instanceof AllocResult.OutOfMemory) || !compact(order)) {
                return first;
            }
            AllocResult after = frames.allocate(order);
            if (after instanceof AllocResult.Allocated) {
                compactions++;
            }
            return after;
        } finally {
            lock.unlock();
        }
    }

    /** Empties one aligned block of {@code 2^order} frames. Caller holds the lock. */
    private boolean compact(int order) {
        int n = 1 << order;
        int best = -1;
        int bestMoves = Integer.MAX_VALUE;
        for (int base = 0; base + n <= refs.length; base += n) {
            int moves = 0;
            for (int f = base; f < base + n && moves < bestMoves; f++) {
                long pa = (long) f << 12;
                if (refs[f] > 0 && !viewed(pa)) {
                    moves++;
                } else if (refs[f] > 0) {
                    moves = Integer.MAX_VALUE;
                } else if (!frames.isFreeFrame(pa)) {
                    moves = Integer.MAX_VALUE;
                }
            }
            if (moves < bestMoves) {
                best = base;
                bestMoves = moves;
            }
        }
        if (best < 0 || bestMoves > frames.freeFrameCount()) {
            return false;
        }
        List<Long> held = new ArrayList<>(n);
        // Pin the block's free frames first, so no destination frame can land inside it.
        for (int f = best; f < best + n; f++) {
            long pa = (long) f << 12;
            if (refs[f] == 0 && frames.claimFrame(pa)) {
                held.add(pa);
            }
        }
        boolean ok = true;
        for (int f = best; f < best + n && ok; f++) {
            long pa = (long) f << 12;
            if (refs[f] > 0) {
                long target = frames.allocateFrames(0);
                if (target < 0) {
                    ok = false;
                } else {
                    migrate(pa, target);
                    held.add(pa);
                }
            }
        }
        // Freed together, the block's frames merge back into one block of the order asked for.
        for (long pa : held) {
            freeFrame(pa);
        }
        return ok && held.size() == n;
    }

    /** Whether a process has an open view of the frame (it must not move). */
    private boolean viewed(long frame) {
        List<Mapper> mappers = reverse.get(frame);
        if (mappers == null) {
            return false;
        }
        for (Mapper m : mappers) {
            if (m.space().hasViews(m.virtualAddress())) {
                return true;
            }
        }
        return false;
    }

    /** Moves a data frame's content and every mapping of it to {@code to}. */
    private void migrate(long from, long to) {
        MemorySegment.copy(memory, from, memory, to, 4096);
        List<Mapper> mappers = reverse.remove(from);
        for (Mapper m : mappers) {
            if (!m.space().table.repoint(m.virtualAddress(), to, null)) {
                throw new IllegalStateException("reverse map names 0x" + Long.toHexString(m.virtualAddress())
                        + " in space " + m.space().id() + " but its page table does not map it");
            }
            m.space().resident.put(m.virtualAddress(), to);
        }
        reverse.put(to, mappers);
        refs[frameIndex(to)] = refs[frameIndex(from)];
        refs[frameIndex(from)] = 0;
        if (swap != null) {
            swap.moved(from, to);
        }
        migratedFrames++;
    }

    // ---------------------------------------------------------------- stats

    /** The counters and swap occupancy. */
    public VmStats stats() {
        lock.lock();
        try {
            return new VmStats(minorFaults, majorFaults, cowFaults, signals, swapOuts, swapIns, swapCacheHits,
                    compactions, migratedFrames, swap == null ? 0 : swap.slots(), swap == null ? 0 : swap.usedSlots(), oomKills, backgroundReclaims);
        } finally {
            lock.unlock();
        }
    }

    /** Closes the swap file. Every space must be closed before. */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            closedCore = true;
            pressure.signalAll();
            if (swap != null) {
                swap.close();
            }
        } finally {
            lock.unlock();
        }
    }
}
