package dev.kosh.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class DependencyOrderTest {
    private static DriverDescriptor d(String name, Set<String> requires, Set<String> provides) {
        return new DriverDescriptor(name, "b." + name, List.of(), requires, provides);
    }

    private static List<String> names(DependencyOrder.Plan p) {
        return p.order().stream().map(DriverDescriptor::name).toList();
    }

    @Test
    void driversStartAfterWhatTheyRequireAndOtherwiseInNameOrder() {
        var plan = DependencyOrder.plan(List.of(d("ext4", Set.of("block"), Set.of("fs")), d("zram", Set.of(), Set.of("block")),
                d("app", Set.of("fs"), Set.of()), d("console", Set.of(), Set.of())), r -> false);
        assertEquals(List.of("console", "zram", "ext4", "app"), names(plan));
        assertEquals(List.of(), plan.blocked());
    }

    @Test
    void aRequirementMetByARunningDriverNeedsNothingInTheSet() {
        var plan = DependencyOrder.plan(List.of(d("ext4", Set.of("block"), Set.of())), "block"::equals);
        assertEquals(List.of("ext4"), names(plan));
    }

    @Test
    void aCycleIsSpelledOutAndWhatDependsOnItIsBlockedToo() {
        var plan = DependencyOrder.plan(List.of(d("a", Set.of("b"), Set.of()), d("b", Set.of("c"), Set.of()), d("c", Set.of("a"), Set.of()),
                d("user", Set.of("a"), Set.of()), d("free", Set.of(), Set.of())), r -> false);
        assertEquals(List.of("free"), names(plan));
        assertEquals(List.of(new DependencyOrder.Blocked("a", "dependency cycle: a -> b -> c -> a"),
                new DependencyOrder.Blocked("b", "dependency cycle: b -> c -> a -> b"),
                new DependencyOrder.Blocked("c", "dependency cycle: c -> a -> b -> c"),
                new DependencyOrder.Blocked("user", "depends on a dependency cycle: a -> b -> c -> a")), plan.blocked());
    }

    @Test
    void aMissingRequirementBlocksItsDriverAndEveryoneAboveIt() {
        var plan = DependencyOrder.plan(List.of(d("ext4", Set.of("block"), Set.of("fs")), d("app", Set.of("fs"), Set.of())), r -> false);
        assertEquals(List.of(), names(plan));
        assertEquals(List.of(new DependencyOrder.Blocked("app", "requires fs, but ext4 cannot start"),
                new DependencyOrder.Blocked("ext4", "requires block, which no running or starting driver provides")), plan.blocked());
    }

    @Test
    void oneStartableProviderOfSeveralIsEnough() {
        var plan = DependencyOrder.plan(List.of(d("nvme", Set.of("pcie"), Set.of("block")), d("ram", Set.of(), Set.of("block")),
                d("ext4", Set.of("block"), Set.of())), r -> false);
        assertEquals(List.of("ram", "ext4"), names(plan));
        assertEquals(1, plan.blocked().size());
    }

    @Test
    void everyDriverIsOrderedAfterItsProvidersOrBlockedAndNoneIsLost() {
        var graphs = lists().of(lists().of(integers().between(0, 7)).ofSizeBetween(0, 3)).ofSizeBetween(0, 8);
        qt().withExamples(300).forAll(graphs).checkAssert(reqs -> {
            List<DriverDescriptor> ds = new ArrayList<>();
            for (int i = 0; i < reqs.size(); i++) {
                Set<String> r = new HashSet<>();
                for (int j : reqs.get(i)) if (j != i) r.add("d" + j);
                ds.add(d("d" + i, r, Set.of()));
            }
            var plan = DependencyOrder.plan(ds, x -> false);
            assertEquals(ds.size(), plan.order().size() + plan.blocked().size());
            Set<String> started = new HashSet<>();
            for (DriverDescriptor x : plan.order()) {
                assertTrue(started.containsAll(x.requires()), x + " before its requirements " + started);
                started.add(x.name());
            }
            for (var b : plan.blocked()) assertTrue(!started.contains(b.driver()) && !b.reason().isEmpty());
        });
    }
}
