package dev.kosh.kernel.isolation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.lang.classfile.ClassFile;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Which methods of a class lie on a call cycle of the class (they get the folded entry point). */
@Timeout(30)
class CallCyclesTest {
    private static final String SHAPES = Runs.CORPUS + "CallShapes";

    private static Set<String> recursive(String c) {
        byte[] bytes = WovenLoader.read(CallCyclesTest.class.getClassLoader(), c);
        return new TreeSet<>(CallCycles.recursive(ClassFile.of().parse(bytes)));
    }

    @Test
    void selfAndMutualRecursionAreOnCyclesChainsOverloadsAndLambdasAreNot() {
        assertEquals(new TreeSet<>(Set.of("fib(J)J", "even(I)Z", "odd(I)Z", "descend()V")), recursive(SHAPES));
        assertEquals(Set.of(), recursive(SHAPES + "$Other"));
    }

    @Test
    void theWeaverFoldsTheEntryPointsOfRecursiveMethodsOnly() {
        String name = SHAPES;
        byte[] bytes = WovenLoader.read(CallCyclesTest.class.getClassLoader(), name);
        var woven = (WeaveResult.Woven) SandboxFixture.weaver().weave(name, bytes, CallCyclesTest.class.getClassLoader(), "test");
        Map<String, List<String>> polls = new LinkedHashMap<>();
        for (var m : ClassFile.of().parse(woven.bytes()).methods()) {
            List<String> kinds = new ArrayList<>();
            m.code().ifPresent(code -> code.forEach(e -> {
                if (e instanceof java.lang.classfile.instruction.InvokeInstruction i
                        && i.owner().asInternalName().equals("dev/kosh/sandbox/Checkpoint")) {
                    kinds.add(i.name().stringValue());
                }
            }));
            polls.put(CallCycles.key(m), kinds);
        }
        assertEquals(List.of("pollRecursion"), polls.get("fib(J)J"));
        assertEquals(List.of("pollRecursion"), polls.get("even(I)Z"));
        assertEquals(List.of("pollRecursion"), polls.get("descend()V"));
        assertEquals(List.of("pollEntry"), polls.get("a(I)I"));
        assertEquals(List.of("pollEntry"), polls.get("viaOtherClass(I)I"));
        assertEquals(List.of(), polls.get("c(I)I")); // a leaf: no point at all
    }

    /** Against the definition: a node is on a cycle iff it can reach itself along one or more edges. */
    @Test
    void agreesWithReachabilityOnRandomGraphs() {
        qt().forAll(integers().between(1, 14), lists().of(integers().between(0, 1_000)).ofSizeBetween(0, 50))
                .checkAssert((n, edges) -> {
                    Map<String, List<String>> g = new LinkedHashMap<>();
                    for (int v = 0; v < n; v++) g.put("m" + v, new ArrayList<>());
                    for (int e : edges) g.get("m" + (e % n)).add("m" + ((e / n) % (n + 1))); // m<n> is outside the graph
                    Set<String> expected = new TreeSet<>();
                    for (String v : g.keySet()) if (reaches(g, v, v)) expected.add(v);
                    assertEquals(expected, new TreeSet<>(CallCycles.onCycles(g)), g.toString());
                });
    }

    private static boolean reaches(Map<String, List<String>> g, String from, String to) {
        Deque<String> todo = new ArrayDeque<>(g.get(from));
        Set<String> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            String v = todo.pop();
            if (v.equals(to)) return true;
            if (!g.containsKey(v) || !seen.add(v)) continue;
            todo.addAll(g.get(v));
        }
        return false;
    }
}
