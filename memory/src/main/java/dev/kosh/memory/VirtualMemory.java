package dev.kosh.memory;

import dev.kosh.memory.internal.VmCore;
import java.io.IOException;
import java.util.Objects;

/**
 * The virtual memory manager of one {@link PhysicalMemory}: creates the processes'
 * {@link VirtualAddressSpace}s, shares frames between them copy-on-write (reference-counted),
 * pages to a swap file under memory pressure, and compacts physical memory for contiguous
 * requests.
 *
 * <p>Lifecycle: {@link #create} after the physical memory, {@link #close} after every space it
 * made was closed and before the physical memory closes.
 *
 * <p>Thread safety: any thread. One lock serialises every operation on every space of this
 * manager; it nests outside the page tables' and the allocator's locks.
 */
public final class VirtualMemory implements AutoCloseable {

    private final VmCore core;

    private VirtualMemory(VmCore core) {
        this.core = core;
    }

    /**
     * A manager over {@code memory}.
     *
     * @throws IOException if the swap file cannot be created
     */
    public static VirtualMemory create(PhysicalMemory memory, VmConfig config) throws IOException {
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(config, "config");
        return new VirtualMemory(new VmCore(memory.arena(), memory.frames(), config));
    }

    /** A new, empty space with randomised bases and no quota; OutOfMemory if no frame is left for its PML4. */
    public SpaceResult newSpace() {
        return core.newSpace(Long.MAX_VALUE);
    }

    /** A new, empty space that may hold at most {@code frameQuota} frames (pages and page tables). */
    public SpaceResult newSpace(long frameQuota) {
        if (frameQuota < 1) {
            throw new IllegalArgumentException("frame quota " + frameQuota + " cannot hold the PML4");
        }
        return core.newSpace(frameQuota);
    }

    /**
     * {@code 2^order} physically contiguous frames (a DMA buffer). When no free block is large
     * enough, migrates the movable data frames out of one aligned block (every mapping follows
     * its frame) and hands that block out: compaction. Page tables, reserved frames and frames
     * allocated from {@link PhysicalMemory} directly do not move.
     */
    public AllocResult allocateContiguous(int order) {
        return core.allocateContiguous(order);
    }

    /** Sends up to {@code pages} cold pages to swap (what a pressure monitor calls); returns how many went. */
    public long reclaim(long pages) {
        return core.reclaim(pages);
    }

    /**
     * Installs the out-of-memory policy's hand on processes (null: none, a fault that finds no
     * memory just fails). Consulted only when no frame is free, nothing can be swapped out and
     * the fault's own space could not make room.
     */
    public void setOutOfMemoryHandler(OutOfMemoryHandler handler) {
        core.setOutOfMemoryHandler(handler);
    }

    /** How swap is done: {@code io_uring on PATH}, {@code FileChannel on PATH (why)}, or {@code no swap}. */
    public String swapDevice() {
        return core.swapDevice();
    }

    /**
     * The pressure monitor's watermarks, in free frames: when an allocation leaves fewer than
     * {@code low} free, {@link #awaitPressure} returns and the monitor calls
     * {@link #reclaimToHighWatermark()}, which swaps cold pages out until {@code high} are free
     * (kswapd's min/high). (0, 0) turns it off.
     */
    public void setWatermarks(long low, long high) {
        core.setWatermarks(low, high);
    }

    /**
     * Waits until free frames fall below the low watermark (true) or the timeout passes (false).
     *
     * @throws IllegalStateException once the VM is closed (also to a thread waiting when it closes)
     */
    public boolean awaitPressure(java.time.Duration timeout) throws InterruptedException {
        return core.awaitPressure(timeout.toNanos());
    }

    /** Swaps pages out until the high watermark is free or nothing more can go; returns how many went. */
    public long reclaimToHighWatermark() {
        return core.reclaimToHighWatermark();
    }

    /** Fault, swap and compaction counters. */
    public VmStats stats() {
        return core.stats();
    }

    /** Closes (and deletes) the swap file. Idempotent. */
    @Override
    public void close() throws IOException {
        core.close();
    }
}
