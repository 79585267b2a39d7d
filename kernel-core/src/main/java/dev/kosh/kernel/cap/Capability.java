package dev.kosh.kernel.cap;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import dev.kosh.api.Right;
import dev.kosh.api.Rights;

/**
 * Object + rights + badge: one node of the derivation tree. Immutable in what it grants; its place
 * (owner table, handle, parent, children) changes only under the space lock.
 *
 * <p>{@link #live()} is a volatile read: a thread blocked in a call with this capability re-checks
 * it whenever it wakes, and the space wakes the object's waiters when it kills a capability, so a
 * revocation ends calls in progress at once.
 */
public final class Capability {
    private static final AtomicLong IDS = new AtomicLong();

    private final long id = IDS.incrementAndGet();
    private final KernelObject object;
    private final int rights;
    private final long badge;

    // guarded by the space lock
    Capability parent;
    List<Capability> children;
    CapabilityTable owner; // null while in transit in a message, or once dead
    int handle;            // valid while owner != null
    int objectIndex;       // position in object.capabilities

    private volatile boolean live = true;
    private volatile EndReason end;

    Capability(KernelObject object, int rights, long badge, Capability parent) {
        this.object = object;
        this.rights = rights;
        this.badge = badge;
        this.parent = parent;
    }

    public long id() {
        return id;
    }

    /** Its current handle in its table (racy outside the space lock; a reply object's changes per call). */
    public int handle() {
        return handle;
    }

    public KernelObject object() {
        return object;
    }

    public int rightsBits() {
        return rights;
    }

    public Rights rights() {
        return new Rights(rights);
    }

    public boolean has(Right right) {
        return (rights & right.bit()) != 0;
    }

    /** True if every right in {@code bits} is held. */
    public boolean hasAll(int bits) {
        return (rights & bits) == bits;
    }

    public long badge() {
        return badge;
    }

    /** False once deleted, revoked, moved-from or released. Any thread. */
    public boolean live() {
        return live;
    }

    /** Why it ended, or null while live. */
    public EndReason endReason() {
        return end;
    }

    void kill(EndReason reason) {
        end = reason;
        live = false; // volatile write after end: a reader that sees !live sees the reason
    }

    void addChild(Capability c) {
        if (children == null) children = new ArrayList<>(2);
        children.add(c);
    }

    /** The parent's id, or 0 (guarded by the space lock; racy for display). */
    long parentId() {
        Capability p = parent;
        return p == null ? 0 : p.id;
    }

    @Override
    public String toString() {
        return "cap#" + id + "(" + object + " " + rights() + (badge != 0 ? " badge " + badge : "") + ")";
    }
}
