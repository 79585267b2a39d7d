package dev.kosh.memory.internal;

import dev.kosh.memory.MemoryView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A {@link MemoryView} of bytes inside one page of a {@link DemandPagedSpace}. Its segment has
 * its own shared {@link Arena}, so that closing the view (the caller, or the space when the
 * mapping changes) ends the segment's lifetime: no access through it can outlive the mapping.
 *
 * <p>Thread safety: {@link #close()} takes the virtual memory's lock; {@link #revoke()} is called
 * with it held.
 */
final class PageView implements MemoryView {

    private final DemandPagedSpace space;
    private final long virtualAddress;
    private final Arena arena;
    private final MemorySegment segment;

    PageView(DemandPagedSpace space, long virtualAddress, Arena arena, MemorySegment segment) {
        this.space = space;
        this.virtualAddress = virtualAddress;
        this.arena = arena;
        this.segment = segment;
    }

    @Override
    public long virtualAddress() {
        return virtualAddress;
    }

    /** The page the view lies in. */
    long page() {
        return virtualAddress & -4096L;
    }

    @Override
    public MemorySegment segment() {
        return segment;
    }

    @Override
    public boolean isOpen() {
        return arena.scope().isAlive();
    }

    @Override
    public void close() {
        space.dropView(this);
    }

    /** Ends the segment's lifetime. Caller holds the VM lock. Idempotent. */
    void revoke() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
