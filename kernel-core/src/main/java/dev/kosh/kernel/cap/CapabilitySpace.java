package dev.kosh.kernel.cap;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import dev.kosh.api.CapabilityInfo;
import dev.kosh.api.Errno;
import dev.kosh.api.ObjectType;
import dev.kosh.api.Right;
import dev.kosh.api.Rights;
import dev.kosh.api.SysResult;

/**
 * Every capability table of one kernel and the derivation tree that links their capabilities, as
 * seL4's mapping database: a capability derived (or copied into a message) from another is its
 * child; revoking a capability deletes all its descendants, in every table and in messages in
 * transit; deleting a capability keeps its children (they move up to its parent).
 *
 * <p>Each operation is decode (check the handle, the rights, the arguments: a typed error) then
 * invoke (cannot fail). Nothing a process passes makes these methods throw.
 *
 * <p>Locking: {@link #lock} guards the tree, every table's slots and every object's capability
 * list. It is reentrant so that an object's hook may end other capabilities. It is the innermost
 * lock of the kernel: code holding it never takes another lock except a table's own monitor (a leaf).
 * Lookups do not take it.
 */
public final class CapabilitySpace {
    /** The pid of the kernel's own table (registrations, grants held for processes). */
    public static final int KERNEL_PID = 0;

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<Integer, CapabilityTable> tables = new ConcurrentHashMap<>();
    private final CapabilityTable kernel;
    private volatile Consumer<String> audit = s -> { };

    public CapabilitySpace() {
        kernel = new CapabilityTable(this, KERNEL_PID, "kernel", 0xFFFF);
        tables.put(KERNEL_PID, kernel);
    }

    /** Where grants and revocations are recorded (the kernel journal). */
    public void audit(Consumer<String> sink) {
        audit = sink == null ? s -> { } : sink;
    }

    /** A new, empty table for process {@code pid}. Any thread. */
    public CapabilityTable newTable(int pid, String label, int quota) {
        CapabilityTable t = new CapabilityTable(this, pid, label, quota);
        tables.put(pid, t);
        return t;
    }

    /** The table of a process (live or exited but not reaped), for {@code caps PID}. */
    public Optional<CapabilityTable> table(int pid) {
        return Optional.ofNullable(tables.get(pid));
    }

    /** The kernel's own table: capabilities the kernel holds on behalf of the system (service registrations). */
    public CapabilityTable kernelTable() {
        return kernel;
    }

    // ---- creating and deriving -------------------------------------------------------------

    /** A root capability to a new object, in {@code table}. Errors: QUOTA_EXCEEDED, CLOSED. */
    public SysResult<Integer> create(CapabilityTable table, KernelObject object, Rights rights, long badge) {
        lock.lock();
        try {
            Capability c = new Capability(object, rights.bits(), badge, null);
            return place(table, c);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A child of {@code handle} in the same table with {@code rights} (a subset) and {@code badge}
     * (0 keeps the parent's). Errors: INVALID_HANDLE, REVOKED, DEAD_PEER, INVALID_ARGUMENT, QUOTA_EXCEEDED.
     */
    public SysResult<Integer> derive(CapabilityTable table, int handle, Rights rights, long badge) {
        if (rights == null) return SysResult.err(Errno.INVALID_ARGUMENT, "derive needs rights");
        lock.lock();
        try {
            SysResult<Capability> found = table.resolve(handle, null, 0);
            if (!(found instanceof SysResult.Ok<Capability>(Capability source))) return cast(found);
            SysResult<Void> ok = checkDerivation(source, rights.bits(), badge);
            if (ok instanceof SysResult.Err<Void> e) return SysResult.err(e.errno(), "handle " + handle + ": " + e.message());
            return place(table, child(source, rights.bits(), badge));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Kernel authority: a child of {@code source} (any table) placed in {@code target}, with rights
     * narrowed to {@code rights} and the given badge. For grants the kernel makes on a process's
     * behalf (service lookup, the launcher's policy). Errors: REVOKED, INVALID_ARGUMENT, QUOTA_EXCEEDED, CLOSED.
     */
    public SysResult<Integer> grant(Capability source, CapabilityTable target, Rights rights, long badge) {
        if (source == null || target == null || rights == null) return SysResult.err(Errno.INVALID_ARGUMENT, "grant needs a source, a target and rights");
        lock.lock();
        try {
            if (!source.live()) return SysResult.err(Errno.REVOKED, source + " is no longer live");
            SysResult<Void> ok = checkDerivation(source, rights.bits(), badge);
            if (ok instanceof SysResult.Err<Void> e) return SysResult.err(e.errno(), e.message());
            SysResult<Integer> placed = place(target, child(source, rights.bits(), badge));
            if (placed.isOk()) audit.accept("granted " + source.object().describe() + " " + rights + " to " + target.ownerLabel());
            return placed;
        } finally {
            lock.unlock();
        }
    }

    private static SysResult<Void> checkDerivation(Capability source, int rights, long badge) {
        if (source.object().type() == ObjectType.REPLY) return SysResult.err(Errno.INVALID_ARGUMENT, "a reply capability cannot be derived");
        if ((rights & ~source.rightsBits()) != 0) {
            return SysResult.err(Errno.INVALID_ARGUMENT, "rights " + new Rights(rights) + " are not a subset of " + source.rights());
        }
        if (badge != 0 && source.badge() != 0 && badge != source.badge()) {
            return SysResult.err(Errno.INVALID_ARGUMENT, "badge " + source.badge() + " cannot be changed to " + badge);
        }
        return SysResult.ok(null);
    }

    private static Capability child(Capability source, int rights, long badge) {
        Capability c = new Capability(source.object(), rights, badge != 0 ? badge : source.badge(), source);
        source.addChild(c);
        return c;
    }

    /** Links a new capability to its object and puts it in {@code table}; undoes both when the table is full. Lock held. */
    private SysResult<Integer> place(CapabilityTable table, Capability c) {
        if (table.released()) {
            unlinkNew(c);
            return SysResult.err(Errno.CLOSED, table.ownerLabel() + " has exited");
        }
        int handle = table.put(c);
        if (handle == 0) {
            unlinkNew(c);
            return SysResult.err(Errno.QUOTA_EXCEEDED, table.ownerLabel() + " holds " + table.size() + " capabilities (quota " + table.quota() + ")");
        }
        link(c);
        return SysResult.ok(handle);
    }

    private static void unlinkNew(Capability c) {
        if (c.parent != null && c.parent.children != null) c.parent.children.remove(c);
        c.parent = null;
        c.kill(EndReason.DELETED);
    }

    private static void link(Capability c) {
        KernelObject o = c.object();
        c.objectIndex = o.capabilities.size();
        o.capabilities.add(c);
        o.capabilityAdded(c);
    }

    // ---- deleting and revoking -------------------------------------------------------------

    /** Deletes one capability; its children stay, re-attached to its parent. Errors: INVALID_HANDLE (and the ended-handle errors). */
    public SysResult<Void> delete(CapabilityTable table, int handle) {
        lock.lock();
        try {
            Capability c = table.lookup(handle);
            if (c == null) return cast(table.resolve(handle, null, 0));
            end(c, EndReason.DELETED);
            return SysResult.ok(null);
        } finally {
            lock.unlock();
        }
    }

    /** Deletes every descendant of {@code handle}'s capability, in every table and in transit; answers how many. */
    public SysResult<Integer> revoke(CapabilityTable table, int handle) {
        lock.lock();
        try {
            Capability c = table.lookup(handle);
            if (c == null) return cast(table.resolve(handle, null, 0));
            int n = revoke(c);
            if (n > 0) audit.accept(table.ownerLabel() + " revoked " + n + " capabilities derived from handle " + handle + " (" + c.object().describe() + ")");
            return SysResult.ok(n);
        } finally {
            lock.unlock();
        }
    }

    /** Kernel side of revoke: deletes every descendant of {@code c}; answers how many. */
    public int revoke(Capability c) {
        lock.lock();
        try {
            if (c.children == null || c.children.isEmpty()) return 0;
            // Collect depth-first, then end leaves first: no node is re-parented on the way.
            List<Capability> order = new ArrayList<>();
            Deque<Capability> stack = new ArrayDeque<>(c.children);
            while (!stack.isEmpty()) {
                Capability d = stack.pop();
                order.add(d);
                if (d.children != null) for (Capability g : d.children) stack.push(g);
            }
            for (int i = order.size() - 1; i >= 0; i--) end(order.get(i), EndReason.REVOKED);
            return order.size();
        } finally {
            lock.unlock();
        }
    }

    /** Ends every capability to {@code object} (a reply object whose caller is gone, a process that was reaped). */
    public void destroy(KernelObject object, EndReason reason) {
        lock.lock();
        try {
            while (!object.capabilities.isEmpty()) end(object.capabilities.get(object.capabilities.size() - 1), reason);
        } finally {
            lock.unlock();
        }
    }

    /** Deletes every capability of a process that ended; later grants to it fail with CLOSED. Answers how many. */
    public int release(CapabilityTable table) {
        lock.lock();
        try {
            table.markReleased();
            List<Capability> all = table.all();
            for (Capability c : all) if (c.live()) end(c, EndReason.OWNER_EXITED);
            return all.size();
        } finally {
            lock.unlock();
        }
    }

    /** Forgets a released table (the process was reaped). */
    public void forget(CapabilityTable table) {
        if (table.released()) tables.remove(table.ownerPid(), table);
    }

    /** Ends one capability: out of its table, out of the tree (children move up), out of its object. Lock held. */
    private void end(Capability c, EndReason reason) {
        if (!c.live()) return;
        if (c.owner != null) c.owner.remove(c, reason);
        Capability parent = c.parent;
        if (parent != null && parent.children != null) parent.children.remove(c);
        if (c.children != null) {
            for (Capability child : c.children) {
                child.parent = parent;
                if (parent != null) parent.addChild(child);
            }
            c.children = null;
        }
        c.parent = null;
        KernelObject o = c.object();
        List<Capability> caps = o.capabilities;
        int i = c.objectIndex;
        if (i < caps.size() && caps.get(i) == c) {
            Capability last = caps.remove(caps.size() - 1);
            if (last != c) {
                caps.set(i, last);
                last.objectIndex = i;
            }
        }
        c.kill(reason);
        o.capabilityRemoved(c, reason);
        if (caps.isEmpty()) o.destroyed();
    }

    // ---- transfer in messages --------------------------------------------------------------

    /**
     * Takes a capability out of {@code table} for a message: with {@code move} the capability itself
     * (the handle ends, reason MOVED), else a child copy. Needs GRANT; reply capabilities never
     * travel. The result belongs to no table until {@link #attach}ed or {@link #discard}ed.
     * Errors: INVALID_HANDLE (and ended-handle errors), MISSING_RIGHT, INVALID_ARGUMENT.
     */
    public SysResult<Capability> detach(CapabilityTable table, int handle, boolean move) {
        lock.lock();
        try {
            SysResult<Capability> found = table.resolve(handle, null, Right.GRANT.bit());
            if (!(found instanceof SysResult.Ok<Capability>(Capability c))) return found;
            if (c.object().type() == ObjectType.REPLY) return SysResult.err(Errno.INVALID_ARGUMENT, "a reply capability cannot be transferred");
            if (move) {
                table.remove(c, EndReason.MOVED);
                return SysResult.ok(c);
            }
            Capability copy = child(c, c.rightsBits(), 0);
            link(copy);
            return SysResult.ok(copy);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Installs a capability that arrived in a message. If it was revoked in transit, or the table is
     * full or released, the capability is deleted and the error says why.
     */
    public SysResult<Integer> attach(CapabilityTable table, Capability inTransit) {
        lock.lock();
        try {
            if (!inTransit.live()) return SysResult.err(Errno.REVOKED, inTransit + " was revoked in transit");
            if (inTransit.owner != null) return SysResult.err(Errno.INVALID_ARGUMENT, inTransit + " is not in transit");
            if (table.released()) {
                end(inTransit, EndReason.UNDELIVERED);
                return SysResult.err(Errno.CLOSED, table.ownerLabel() + " has exited");
            }
            int handle = table.put(inTransit);
            if (handle == 0) {
                end(inTransit, EndReason.UNDELIVERED);
                return SysResult.err(Errno.QUOTA_EXCEEDED, table.ownerLabel() + " holds " + table.size() + " capabilities (quota " + table.quota() + ")");
            }
            return SysResult.ok(handle);
        } finally {
            lock.unlock();
        }
    }

    /** Deletes a capability of a message that will never be received. */
    public void discard(Capability inTransit) {
        lock.lock();
        try {
            if (inTransit.owner == null) end(inTransit, EndReason.UNDELIVERED);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A kernel-made capability with no parent placed directly in {@code table} (the reply
     * capability of a call). Errors: QUOTA_EXCEEDED, CLOSED.
     */
    public SysResult<Integer> mint(CapabilityTable table, KernelObject object, Rights rights) {
        return create(table, object, rights, 0);
    }

    /**
     * Data plane, no lock: {@code c} (a capability in a table) gets a new handle in the same slot;
     * the old one answers INVALID_HANDLE from now on. Used for a server thread's reusable reply
     * object after a reply, so each call has its own one-shot handle without minting a capability.
     * Only one thread at a time may re-issue a given capability (see {@code CapabilityTable.reissue}).
     * Answers the new handle, or 0 if the capability ended.
     */
    public int reissue(Capability c) {
        CapabilityTable t = c.owner;
        return t == null ? 0 : t.reissue(c);
    }

    /**
     * Control plane: as {@link #reissue}, under the lock, and a later use of the old handle answers
     * {@code reason}'s error (a reply object whose caller gave up: DEAD_PEER). Answers the new handle, or 0.
     */
    public int retire(Capability c, EndReason reason) {
        lock.lock();
        try {
            CapabilityTable t = c.owner;
            return t == null ? 0 : t.retireHandle(c, reason);
        } finally {
            lock.unlock();
        }
    }

    // ---- inspection --------------------------------------------------------------------------

    /** What {@code handle} names. */
    public SysResult<CapabilityInfo> identify(CapabilityTable table, int handle) {
        lock.lock();
        try {
            Capability c = table.lookup(handle);
            if (c == null) return cast(table.resolve(handle, null, 0));
            return SysResult.ok(info(c));
        } finally {
            lock.unlock();
        }
    }

    /** The table's capabilities in handle order (for {@code caps PID}). */
    public List<CapabilityInfo> list(CapabilityTable table) {
        lock.lock();
        try {
            List<CapabilityInfo> out = new ArrayList<>();
            for (Capability c : table.all()) out.add(info(c));
            out.sort(Comparator.comparingInt(CapabilityInfo::handle));
            return out;
        } finally {
            lock.unlock();
        }
    }

    private static CapabilityInfo info(Capability c) {
        Capability p = c.parent;
        int from = p != null && p.owner == c.owner && p.owner != null ? p.handle : 0;
        return new CapabilityInfo(c.handle, c.object().type(), c.object().id(), c.object().describe(), c.rights(), c.badge(),
                from, c.id(), c.parentId());
    }

    /** Every live capability to {@code object} with its holder's pid (-1 in transit); for tests and {@code ipcstat}. */
    public List<Map.Entry<Integer, Capability>> holders(KernelObject object) {
        lock.lock();
        try {
            List<Map.Entry<Integer, Capability>> out = new ArrayList<>();
            for (Capability c : object.capabilities) out.add(Map.entry(c.owner == null ? -1 : c.owner.ownerPid(), c));
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** The parent of a capability, or null (for tests of the tree). */
    public Capability parentOf(Capability c) {
        lock.lock();
        try {
            return c.parent;
        } finally {
            lock.unlock();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> SysResult<T> cast(SysResult<?> err) {
        SysResult.Err<?> e = (SysResult.Err<?>) err;
        return SysResult.err(e.errno(), e.message());
    }
}
