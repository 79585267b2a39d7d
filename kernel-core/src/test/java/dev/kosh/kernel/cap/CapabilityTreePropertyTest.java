package dev.kosh.kernel.cap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.quicktheories.generators.SourceDSL;

import dev.kosh.api.ObjectType;
import dev.kosh.api.Right;
import dev.kosh.api.Rights;
import dev.kosh.api.SysResult;

/**
 * Random sequences of derive, transfer (copy and move), delete and revoke across four processes,
 * checked after every step against a model that knows only what each operation promises:
 * who holds what, derived from what, with which rights.
 */
@Timeout(60)
class CapabilityTreePropertyTest {
    private static final int TABLES = 4;
    private static final int OBJECTS = 3;

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

    private static final class World {
        final CapabilitySpace space = new CapabilitySpace();
        final CapabilityTable[] tables = new CapabilityTable[TABLES];
        final KernelObject[] objects = new KernelObject[OBJECTS];
        final Map<Long, M> model = new HashMap<>();
        final Set<Long> grantedRoots = new HashSet<>();

        World() {
            for (int i = 0; i < TABLES; i++) tables[i] = space.newTable(100 + i, "pid " + (100 + i), 24);
            for (int o = 0; o < OBJECTS; o++) objects[o] = new KernelObject(ObjectType.CHANNEL) { };
            // The grants: every object to process 0 with all rights, object 1 also to process 1 without GRANT.
            for (int o = 0; o < OBJECTS; o++) root(0, o, Rights.ALL.bits());
            root(1, 1, Rights.ALL.without(Right.GRANT).bits());
        }

        void root(int t, int o, int rights) {
            int h = ((SysResult.Ok<Integer>) space.create(tables[t], objects[o], new Rights(rights), 0)).value();
            long id = tables[t].lookup(h).id();
            model.put(id, new M(id, t, o, rights, 0, null));
            grantedRoots.add(id);
        }

        List<Integer> handles(int t) {
            List<Integer> out = new ArrayList<>();
            for (var info : space.list(tables[t])) out.add(info.handle());
            return out;
        }

        int objectIndex(KernelObject o) {
            for (int i = 0; i < OBJECTS; i++) if (objects[i] == o) return i;
            throw new AssertionError("unknown object " + o);
        }

        void add(M m) {
            model.put(m.id, m);
            if (m.parent != null) m.parent.children.add(m);
        }

        void removeOne(M m) {
            model.remove(m.id);
            if (m.parent != null) m.parent.children.remove(m);
            for (M c : m.children) {
                c.parent = m.parent;
                if (m.parent != null) m.parent.children.add(c);
            }
        }

        void removeDescendants(M m) {
            for (M c : List.copyOf(m.children)) {
                removeDescendants(c);
                model.remove(c.id);
            }
            m.children.clear();
        }

        /** One step, decoded from a random int: op, table, handle choice, rights, badge, target. */
        void step(int code) {
            int op = Math.floorMod(code, 5);
            int t = Math.floorMod(code >>> 3, TABLES);
            int pick = (code >>> 5) & 0x1F;
            int rights = (code >>> 10) & Rights.ALL.bits();
            long badge = (code >>> 19) & 3;
            int to = Math.floorMod(code >>> 21, TABLES);
            boolean move = ((code >>> 23) & 1) == 1;
            List<Integer> hs = handles(t);
            // Mostly a real handle; sometimes a made-up one, which must fail without changing anything.
            int handle = hs.isEmpty() || pick == 31 ? (code >>> 24) - 3 : hs.get(pick % hs.size());
            Capability c = tables[t].lookup(handle);
            M m = c == null ? null : model.get(c.id());
            switch (op) {
                case 0 -> { // derive
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
                default -> { // identify: never changes anything
                    assertEquals(m != null, space.identify(tables[t], handle).isOk());
                }
            }
            check();
        }

        void collect(M m, Set<Long> out) {
            for (M c : m.children) {
                out.add(c.id);
                collect(c, out);
            }
        }

        /** The real tables hold exactly the model's capabilities, and the tree invariants hold. */
        void check() {
            Set<String> real = new TreeSet<>();
            for (int t = 0; t < TABLES; t++) {
                for (var info : space.list(tables[t])) {
                    Capability c = tables[t].lookup(info.handle());
                    assertNotNull(c);
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
            for (int o = 0; o < OBJECTS; o++) {
                int n = 0;
                for (M m : model.values()) if (m.object == o) n++;
                assertEquals(n, objects[o].capabilityCount(), "object " + o + " counts its capabilities");
            }
        }
    }

    @Test
    void derivationTransferDeleteAndRevokeKeepTheTreeSoundAcrossProcesses() {
        qt().withExamples(400).forAll(SourceDSL.lists().of(SourceDSL.integers().all()).ofSizeBetween(1, 80))
                .checkAssert(script -> {
                    World w = new World();
                    w.check();
                    for (int code : script) w.step(code);
                });
    }
}
