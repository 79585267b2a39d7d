package dev.kosh.kernel.cap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import dev.kosh.api.Errno;
import dev.kosh.api.ObjectType;
import dev.kosh.api.Right;
import dev.kosh.api.Rights;
import dev.kosh.api.SysResult;

/**
 * One process's capabilities, reached by handle. A handle is {@code generation << 16 | (slot + 1)}:
 * small for a young table ({@code 1, 2, 3...}), never {@code 0}, and a stale handle to a reused
 * slot does not reach the new capability (its generation differs).
 *
 * <p>Threads: lookups ({@link #lookup}, {@link #fast}, {@link #resolve}) from any thread, without
 * a lock — the slot array is published with release stores and read with acquire loads. Every
 * change goes through {@link CapabilitySpace} under its lock.
 */
public final class CapabilityTable {
    /** Default limit on capabilities one process may hold. */
    public static final int DEFAULT_QUOTA = 1024;
    private static final int MAX_SLOTS = 0xFFFF;
    private static final int GENERATION_MASK = 0x7FFF;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Capability[].class);

    private final CapabilitySpace space;
    private final int ownerPid;
    private final String ownerLabel;
    private final int quota;

    private volatile Capability[] slots = new Capability[8]; // replaced (grown) under the space lock
    // guarded by the space lock
    private int[] generations = new int[8];
    private int[] endedHandles = new int[8];
    private EndReason[] endReasons = new EndReason[8];
    private int count;
    private int freeHint;
    private volatile boolean released;

    CapabilityTable(CapabilitySpace space, int ownerPid, String ownerLabel, int quota) {
        this.space = space;
        this.ownerPid = ownerPid;
        this.ownerLabel = ownerLabel;
        this.quota = Math.min(quota, MAX_SLOTS);
    }

    public CapabilitySpace space() {
        return space;
    }

    public int ownerPid() {
        return ownerPid;
    }

    public String ownerLabel() {
        return ownerLabel;
    }

    public int quota() {
        return quota;
    }

    /** Live capabilities held (racy: for display and metrics). */
    public int size() {
        return count;
    }

    /** True once the owner exited and every capability was deleted. */
    public boolean released() {
        return released;
    }

    static int slotOf(int handle) {
        return (handle & 0xFFFF) - 1;
    }

    // ---- lookups (lock-free) --------------------------------------------------------------

    /** The live capability {@code handle} names, or null. Any thread, no lock, no allocation. */
    public Capability lookup(int handle) {
        int slot = slotOf(handle);
        Capability[] s = slots;
        if (handle <= 0 || slot < 0 || slot >= s.length) return null;
        Capability c = (Capability) SLOT.getAcquire(s, slot); // acquire: pairs with the release store in put
        if (c == null || c.handle != handle || !c.live()) return null;
        return c;
    }

    /**
     * The data-plane check: the capability if {@code handle} names a live capability to an object
     * of {@code type} holding every right in {@code rightsBits}, else null (then call
     * {@link #resolve} for the error). No allocation.
     */
    public Capability fast(int handle, ObjectType type, int rightsBits) {
        Capability c = lookup(handle);
        if (c == null || c.object().type() != type || !c.hasAll(rightsBits)) return null;
        return c;
    }

    /** The control-plane check: the capability, or the precise error (INVALID_HANDLE, REVOKED, DEAD_PEER, WRONG_TYPE, MISSING_RIGHT). */
    public SysResult<Capability> resolve(int handle, ObjectType type, int rightsBits) {
        Capability c = lookup(handle);
        if (c == null) return SysResult.err(endedError(handle), describeMiss(handle));
        if (type != null && c.object().type() != type) {
            return SysResult.err(Errno.WRONG_TYPE, "handle " + handle + " names " + c.object().describe() + ", not a "
                    + type.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        }
        if (!c.hasAll(rightsBits)) {
            return SysResult.err(Errno.MISSING_RIGHT, "handle " + handle + " (" + c.object().describe() + ") has rights "
                    + c.rights() + ", the call needs " + new Rights(rightsBits));
        }
        return SysResult.ok(c);
    }

    /** {@link #resolve} for one right. */
    public SysResult<Capability> resolve(int handle, ObjectType type, Right right) {
        return resolve(handle, type, right.bit());
    }

    private Errno endedError(int handle) {
        EndReason r = endReason(handle);
        return r == null ? Errno.INVALID_HANDLE : r.errno();
    }

    private String describeMiss(int handle) {
        EndReason r = endReason(handle);
        if (r != null) return "handle " + handle + " of " + ownerLabel + " " + r.text();
        return "handle " + handle + " names no capability of " + ownerLabel;
    }

    /** Why {@code handle} ended, if it is the last handle that ended in its slot (racy; for messages). */
    private EndReason endReason(int handle) {
        int slot = slotOf(handle);
        if (handle <= 0 || slot < 0) return null;
        synchronized (this) { // the arrays are swapped when growing; their own monitor keeps this read consistent enough
            if (slot >= endedHandles.length || endedHandles[slot] != handle) return null;
            return endReasons[slot];
        }
    }

    // ---- changes (space lock held) -----------------------------------------------------------

    /** Puts {@code c} in a free slot; returns its handle, or 0 when the quota is reached. Space lock held. */
    int put(Capability c) {
        if (released || count >= quota) return 0;
        Capability[] s = slots;
        int slot = -1;
        for (int i = 0; i < s.length; i++) {
            int j = (freeHint + i) % s.length;
            if (s[j] == null) {
                slot = j;
                break;
            }
        }
        if (slot < 0) {
            slot = s.length;
            grow(Math.min(s.length * 2, quota));
            s = slots;
        }
        int handle = ((generations[slot] & GENERATION_MASK) << 16) | (slot + 1);
        c.owner = this;
        c.handle = handle;
        count++;
        freeHint = slot + 1;
        SLOT.setRelease(s, slot, c); // release: the capability's fields are visible to a lock-free lookup that sees it
        return handle;
    }

    private void grow(int newLength) {
        Capability[] s = java.util.Arrays.copyOf(slots, newLength);
        synchronized (this) {
            generations = java.util.Arrays.copyOf(generations, newLength);
            endedHandles = java.util.Arrays.copyOf(endedHandles, newLength);
            endReasons = java.util.Arrays.copyOf(endReasons, newLength);
        }
        slots = s; // volatile write publishes the copied slots
    }

    /** Empties {@code c}'s slot, remembering why, and bumps the slot's generation. Space lock held. */
    void remove(Capability c, EndReason reason) {
        int slot = slotOf(c.handle);
        Capability[] s = slots;
        if (slot < 0 || slot >= s.length || s[slot] != c) return;
        SLOT.setRelease(s, slot, null);
        synchronized (this) {
            endedHandles[slot] = c.handle;
            endReasons[slot] = reason;
            // from the handle, not the array: a reissued handle (reply objects) is ahead of generations[slot]
            generations[slot] = ((c.handle >>> 16) + 1) & GENERATION_MASK;
        }
        count--;
        if (slot < freeHint) freeHint = slot;
        c.owner = null;
    }

    private static int nextGeneration(int handle) {
        return ((((handle >>> 16) + 1) & GENERATION_MASK) << 16) | (handle & 0xFFFF);
    }

    /**
     * Gives {@code c} the next handle of its slot without the space lock: the old handle stops
     * naming it (a later use answers INVALID_HANDLE). For the reply object of a server thread,
     * which keeps its slot across calls and needs a fresh handle per call. The caller must be the
     * only thread changing {@code c}'s handle at that moment (the reply object's protocol: only the
     * winner of the call's state CAS re-issues). A concurrent removal under the lock may compute
     * the slot's next generation from the old handle; the re-issued handle is then given to nobody.
     * Answers the new handle, or 0 if {@code c} is no longer in this table.
     */
    int reissue(Capability c) {
        int h = c.handle;
        if (c.owner != this || !c.live()) return 0;
        int next = nextGeneration(h);
        c.handle = next; // plain int write (atomic); readers on other threads order it through the call's state CAS
        return next;
    }

    /** {@link #reissue}, remembering the old handle as ended for {@code reason}. Space lock held. */
    int retireHandle(Capability c, EndReason reason) {
        int h = c.handle;
        if (c.owner != this || !c.live()) return 0;
        int slot = slotOf(h);
        synchronized (this) {
            if (slot >= endedHandles.length) return 0;
            endedHandles[slot] = h;
            endReasons[slot] = reason;
        }
        int next = nextGeneration(h);
        c.handle = next;
        return next;
    }

    /** Every live capability, in slot order (space lock held). */
    java.util.List<Capability> all() {
        java.util.List<Capability> out = new java.util.ArrayList<>(count);
        for (Capability c : slots) if (c != null) out.add(c);
        return out;
    }

    void markReleased() {
        released = true;
    }

    @Override
    public String toString() {
        return "capability table of " + ownerLabel;
    }
}
