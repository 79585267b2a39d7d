package dev.kosh.kernel.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;

import dev.kosh.api.Errno;
import dev.kosh.api.Right;
import dev.kosh.api.Rights;
import dev.kosh.api.SysResult;
import dev.kosh.kernel.cap.Capability;
import dev.kosh.kernel.cap.CapabilitySpace;
import dev.kosh.kernel.cap.CapabilityTable;
import dev.kosh.kernel.cap.KernelObject;

/**
 * A model of the derivation tree for property tests: it knows only what each operation promises
 * (who holds what, derived from what, with which rights) and checks the kernel against it after
 * every step. Steps are derive, transfer (copy and move), delete, revoke, identify, and the system
 * calls a test registers with {@link #use}: each must reach its object exactly when the model says
 * the handle names a capability with the call's right.
 */
public final class CapabilityModel {
    /** The errors that mean "the handle did not let the call reach the object". */
    private static final Set<Errno> DENIED = EnumSet.of(Errno.INVALID_HANDLE, Errno.WRONG_TYPE, Errno.MISSING_RIGHT,
            Errno.REVOKED, Errno.DEAD_PEER);

    /** A system call by handle needing {@code right}: {@code call.apply(table index, handle)}. */
    public record Use(String name, Right right, BiFunction<Integer, Integer, SysResult<?>> call) {}

    /** The model's view of one capability. */
    private static final class M {
        final long id;
        int table;
        final int object;
        final int rights;
        final long badge;
        M parent;
        /** The granted capability this one descends from (fixed at derivation: survives deletes in between). */
        final long origin;
        final List<M> children = new ArrayList<>();

        M(long id, int table, int object, int rights, long badge, M parent) {
            this.id = id;
            this.origin = parent == null ? id : parent.origin;
            this.table = table;
            this.object = object;
            this.rights = rights;
            this.badge = badge;
            this.parent = parent;
        }
    }

    private final CapabilitySpace space;
    private final CapabilityTable[] tables;
    private final KernelObject[] objects;
    private final Map<Long, M> model = new HashMap<>();
    private final Set<Long> grantedRoots = new HashSet<>();
    private final List<Use> uses = new ArrayList<>();

    /** A model over {@code tables} (the processes) and {@code objects} (what their capabilities may name), all in {@code space}. */
    public CapabilityModel(CapabilitySpace space, CapabilityTable[] tables, KernelObject[] objects) {
        this.space = space;
        this.tables = tables.clone();
        this.objects = objects.clone();
    }

    /** Grants table {@code t} a new root capability to object {@code o}. */
    public void root(int t, int o, int rights) {
        int h = ((SysResult.Ok<Integer>) space.create(tables[t], objects[o], new Rights(rights), 0)).value();
        adopt(t, tables[t].lookup(h));
    }

    /** A capability the kernel already granted (a root in table {@code t}) enters the model as a grant. */
    public void adopt(int t, Capability c) {
        M m = new M(c.id(), t, objectIndex(c.object()), c.rightsBits(), c.badge(), null);
        model.put(m.id, m);
        grantedRoots.add(m.id);
    }

    /** Adds a system call to the steps. */
    public void use(Use use) {
        uses.add(use);
    }

    private List<Integer> handles(int t) {
        List<Integer> out = new ArrayList<>();
        for (var info : space.list(tables[t])) if (modelled(tables[t].lookup(info.handle()).object())) out.add(info.handle());
        return out;
    }

    private boolean modelled(KernelObject o) {
        for (KernelObject x : objects) if (x == o) return true;
        return false;
    }

    private int objectIndex(KernelObject o) {
        for (int i = 0; i < objects.length; i++) if (objects[i] == o) return i;
        throw new AssertionError("unknown object " + o);
    }

    private void add(M m) {
        model.put(m.id, m);
        if (m.parent != null) m.parent.children.add(m);
    }

    private void removeOne(M m) {
        model.remove(m.id);
        if (m.parent != null) m.parent.children.remove(m);
        for (M c : m.children) {
            c.parent = m.parent;
            if (m.parent != null) m.parent.children.add(c);
        }
    }

    private void removeDescendants(M m) {
        for (M c : List.copyOf(m.children)) {
            removeDescendants(c);
            model.remove(c.id);
        }
        m.children.clear();
    }

    /** One step, decoded from a random int: op, table, handle choice, rights, badge, target (and which system call). */
    public void step(int code) {
        int op = Math.floorMod(code, uses.isEmpty() ? 5 : 6);
        int t = Math.floorMod(code >>> 3, tables.length);
        int pick = (code >>> 5) & 0x1F;
        int rights = (code >>> 10) & Rights.ALL.bits();
        long badge = (code >>> 19) & 3;
        int to = Math.floorMod(code >>> 21, tables.length);
        boolean move = ((code >>> 23) & 1) == 1;
        List<Integer> hs = handles(t);
        // Mostly a real handle; sometimes a made-up one, which must fail without changing anything.
        int handle = hs.isEmpty() || pick == 31 ? (code >>> 24) - 3 : hs.get(pick % hs.size());
        Capability c = tables[t].lookup(handle);
        if (c != null && !modelled(c.object())) return; // a made-up handle hit a capability outside the model: not this test's
        M m = c == null ? null : model.get(c.id());
        switch (op) {
            case 0 -> { // derive
                // Half the time a subset of the source's rights (a random mask is rarely one), so
                // narrowed capabilities exist and the calls are tried without the right they need.
                if (m != null && (code & (1 << 30)) != 0) rights &= m.rights;
                SysResult<Integer> r = space.derive(tables[t], handle, new Rights(rights), badge);
                boolean expected = m != null && (rights & ~m.rights) == 0 && !(badge != 0 && m.badge != 0 && badge != m.badge)
                        && tables[t].size() < tables[t].quota();
                assertEquals(expected, r.isOk(), "derive " + r);
                if (r instanceof SysResult.Ok<Integer>(Integer h)) {
                    Capability d = tables[t].lookup(h);
                    add(new M(d.id(), t, m.object, rights, badge != 0 ? badge : m.badge, m));
                }
            }
            case 1 -> { // transfer: detach then attach, as a message does
                SysResult<Capability> r = space.detach(tables[t], handle, move);
                boolean expected = m != null && (m.rights & Right.GRANT.bit()) != 0;
                assertEquals(expected, r.isOk(), "detach " + r);
                if (r instanceof SysResult.Ok<Capability>(Capability inTransit)) {
                    M moved;
                    if (move) {
                        moved = m;
                    } else {
                        moved = new M(inTransit.id(), -1, m.object, m.rights, m.badge, m);
                        add(moved);
                    }
                    SysResult<Integer> in = space.attach(tables[to], inTransit);
                    if (in.isOk()) {
                        moved.table = to;
                    } else {
                        assertTrue(tables[to].size() >= tables[to].quota(), "attach fails only on quota: " + in);
                        removeOne(moved);
                    }
                }
            }
            case 2 -> { // delete
                SysResult<Void> r = space.delete(tables[t], handle);
                assertEquals(m != null, r.isOk(), "delete " + r);
                if (m != null) removeOne(m);
            }
            case 3 -> { // revoke
                SysResult<Integer> r = space.revoke(tables[t], handle);
                assertEquals(m != null, r.isOk(), "revoke " + r);
                if (m != null) {
                    Set<Long> doomed = new HashSet<>();
                    collect(m, doomed);
                    assertEquals(doomed.size(), ((SysResult.Ok<Integer>) r).value());
                    removeDescendants(m);
                    for (CapabilityTable table : tables) {
                        for (var info : space.list(table)) assertFalse(doomed.contains(info.capabilityId()), "a revoked capability survived");
                    }
                }
            }
            case 5 -> { // a system call on the object: it reaches the object exactly when the model says the handle has the right
                Use use = uses.get(Math.floorMod(code >>> 26, uses.size()));
                boolean allowed = m != null && (m.rights & use.right().bit()) != 0;
                SysResult<?> r = use.call().apply(t, handle);
                boolean reached = !(r instanceof SysResult.Err<?> e) || !DENIED.contains(e.errno());
                assertEquals(allowed, reached, use.name() + " with handle " + handle + " in table " + t + ": " + r);
            }
            default -> { // identify: never changes anything
                assertEquals(m != null, space.identify(tables[t], handle).isOk());
            }
        }
        check();
    }

    private void collect(M m, Set<Long> out) {
        for (M c : m.children) {
            out.add(c.id);
            collect(c, out);
        }
    }

    /** The real tables hold exactly the model's capabilities (of the modelled objects), and the tree invariants hold. */
    public void check() {
        Set<String> real = new TreeSet<>();
        for (int t = 0; t < tables.length; t++) {
            for (var info : space.list(tables[t])) {
                Capability c = tables[t].lookup(info.handle());
                assertNotNull(c);
                if (!modelled(c.object())) continue; // a table may hold capabilities to other objects (a process's own)
                real.add(t + ":" + c.id() + ":" + objectIndex(c.object()) + ":" + c.rightsBits() + ":" + c.badge());
                Capability p = space.parentOf(c);
                if (p != null) {
                    assertTrue(p.live(), "a live capability's parent is live");
                    assertTrue(p.rights().containsAll(c.rights()), "rights never grow along a derivation");
                    assertEquals(p.object(), c.object());
                }
                // Provenance: every capability descends from a grant (or is one).
                M m = model.get(c.id());
                assertNotNull(m, "the kernel holds a capability the model never handed out: " + c);
                assertTrue(grantedRoots.contains(m.origin), "reached without a granted ancestor: " + c);
                assertEquals(model.containsKey(m.origin) ? model.get(m.origin).object : m.object, m.object);
            }
        }
        Set<String> expected = new TreeSet<>();
        for (M m : model.values()) expected.add(m.table + ":" + m.id + ":" + m.object + ":" + m.rights + ":" + m.badge);
        assertEquals(expected, real);
        for (int o = 0; o < objects.length; o++) {
            int n = 0;
            for (M m : model.values()) if (m.object == o) n++;
            assertEquals(n, objects[o].capabilityCount(), "object " + o + " counts its capabilities");
        }
    }
}
