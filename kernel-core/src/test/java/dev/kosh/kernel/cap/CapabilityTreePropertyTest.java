package dev.kosh.kernel.cap;

import static org.quicktheories.QuickTheory.qt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.quicktheories.generators.SourceDSL;

import dev.kosh.api.ObjectType;
import dev.kosh.api.Right;
import dev.kosh.api.Rights;
import dev.kosh.kernel.testing.CapabilityModel;

/**
 * Random sequences of derive, transfer (copy and move), delete and revoke across four processes,
 * checked after every step against a model that knows only what each operation promises:
 * who holds what, derived from what, with which rights ({@link CapabilityModel}).
 */
@Timeout(60)
class CapabilityTreePropertyTest {
    private static final int TABLES = 4;
    private static final int OBJECTS = 3;

    private static CapabilityModel world() {
        CapabilitySpace space = new CapabilitySpace();
        CapabilityTable[] tables = new CapabilityTable[TABLES];
        KernelObject[] objects = new KernelObject[OBJECTS];
        for (int i = 0; i < TABLES; i++) tables[i] = space.newTable(100 + i, "pid " + (100 + i), 24);
        for (int o = 0; o < OBJECTS; o++) objects[o] = new KernelObject(ObjectType.CHANNEL) { };
        CapabilityModel w = new CapabilityModel(space, tables, objects);
        // The grants: every object to process 0 with all rights, object 1 also to process 1 without GRANT.
        for (int o = 0; o < OBJECTS; o++) w.root(0, o, Rights.ALL.bits());
        w.root(1, 1, Rights.ALL.without(Right.GRANT).bits());
        return w;
    }

    @Test
    void derivationTransferDeleteAndRevokeKeepTheTreeSoundAcrossProcesses() {
        qt().withExamples(400).forAll(SourceDSL.lists().of(SourceDSL.integers().all()).ofSizeBetween(1, 80))
                .checkAssert(script -> {
                    CapabilityModel w = world();
                    w.check();
                    for (int code : script) w.step(code);
                });
    }
}
