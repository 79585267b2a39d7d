package dev.kosh.kernel.cap;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import dev.kosh.api.ObjectType;

/**
 * Something a capability can name. The space tells the object when a capability to it appears or
 * ends, and when the last one ends ({@link #destroyed}): an object nobody can reach is gone.
 *
 * <p>The hooks run under the space lock, on whichever thread changed the tree: they must be short,
 * must not block, and may only mark state and wake threads (never take another lock that a thread
 * holding capabilities could hold while entering the space).
 */
public abstract class KernelObject {
    private static final AtomicLong IDS = new AtomicLong();

    private final long id = IDS.incrementAndGet();
    private final ObjectType type;
    /** Every live capability to this object (in tables or in transit); guarded by the space lock. */
    final List<Capability> capabilities = new ArrayList<>(2);

    protected KernelObject(ObjectType type) {
        this.type = type;
    }

    /** Kernel-wide id, never reused within a boot. */
    public final long id() {
        return id;
    }

    public final ObjectType type() {
        return type;
    }

    /** How many live capabilities name this object (racy outside the space lock: for display). */
    public final int capabilityCount() {
        return capabilities.size();
    }

    /** A capability to this object appeared (created, derived, copied). Under the space lock. */
    protected void capabilityAdded(Capability capability) {
    }

    /** A capability to this object ended for {@code reason}. Under the space lock; the capability is already dead. */
    protected void capabilityRemoved(Capability capability, EndReason reason) {
    }

    /** The last capability ended: release what the object holds. Under the space lock. */
    protected void destroyed() {
    }

    /** A short description for {@code caps}: {@code endpoint#12}. */
    public String describe() {
        return type.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + "#" + id;
    }

    @Override
    public String toString() {
        return describe();
    }
}
