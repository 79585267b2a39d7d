package dev.kosh.ipc.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import dev.kosh.api.ObjectType;
import dev.kosh.kernel.cap.Capability;
import dev.kosh.kernel.cap.EndReason;
import dev.kosh.kernel.cap.KernelObject;

/**
 * Off-heap memory the kernel allocated, mapped into processes by capability. Each mapping is a
 * view of the same memory with its own lifetime (its own shared arena): ending the capability it
 * was mapped with unmaps it in that process alone, and any later access there fails; the memory
 * is freed when the last capability ends.
 *
 * <p>Locking: {@link #mappings} is guarded by this object's monitor (a leaf lock, also taken
 * under the space lock by the hooks).
 */
public final class SharedRegion extends KernelObject {
    private final Arena arena = Arena.ofShared();
    final MemorySegment memory;
    final int ownerPid;
    private final IpcObjects registry;
    private final Runnable onFree;
    private final List<SharedMappingImpl> mappings = new ArrayList<>(); // guarded by this
    private boolean freed; // guarded by this

    SharedRegion(long bytes, int ownerPid, IpcObjects registry, Runnable onFree) {
        super(ObjectType.SHARED_MEMORY);
        this.memory = arena.allocate(bytes, 64); // zeroed
        this.ownerPid = ownerPid;
        this.registry = registry;
        this.onFree = onFree;
    }

    public long size() {
        return memory.byteSize();
    }

    /** A new view for a process, tied to {@code via}; null if the region was already freed. */
    synchronized SharedMappingImpl map(Capability via, boolean writable) {
        if (freed || !via.live()) return null;
        Arena view = Arena.ofShared();
        MemorySegment segment = memory.reinterpret(view, null); // same memory, the view's lifetime
        SharedMappingImpl m = new SharedMappingImpl(this, via, view, writable ? segment : segment.asReadOnly(), writable);
        mappings.add(m);
        return m;
    }

    synchronized void forget(SharedMappingImpl m) {
        mappings.remove(m);
    }

    synchronized int mappingCount() {
        return mappings.size();
    }

    @Override
    protected void capabilityRemoved(Capability c, EndReason reason) {
        List<SharedMappingImpl> gone = new ArrayList<>();
        synchronized (this) {
            for (SharedMappingImpl m : mappings) if (m.via == c) gone.add(m);
            mappings.removeAll(gone);
        }
        for (SharedMappingImpl m : gone) m.unmap();
    }

    @Override
    protected void destroyed() {
        List<SharedMappingImpl> gone;
        synchronized (this) {
            freed = true;
            gone = new ArrayList<>(mappings);
            mappings.clear();
        }
        for (SharedMappingImpl m : gone) m.unmap();
        SharedMappingImpl.closeQuietly(arena);
        registry.remove(this);
        onFree.run();
    }

    @Override
    public String describe() {
        return "shm#" + id() + " (" + size() + " bytes)";
    }
}
