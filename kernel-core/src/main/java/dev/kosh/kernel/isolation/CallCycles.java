package dev.kosh.kernel.isolation;

import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeElement;
import java.lang.classfile.MethodModel;
import java.lang.classfile.instruction.InvokeInstruction;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The methods of one class that lie on a cycle of its own call graph (direct or mutual
 * recursion): the strongly connected components of the graph whose edges are the class's calls
 * of its own methods, by name and descriptor, with more than one method or a call of itself.
 *
 * <p>Only a choice of poll depends on it (the weaver gives these methods a folded entry point,
 * {@code Checkpoint.pollRecursion}, and every other method the plain read), so it may miss
 * cycles: those that pass through another class, an override in a subclass or a lambda keep the
 * plain read, which is as correct and costs a load per invocation. A class is woven on its own,
 * when it is loaded, so the other classes of its bundle are not known here.
 */
final class CallCycles {
    private CallCycles() {}

    /** Keys ({@code name + descriptor}) of the methods of {@code model} that are on a call cycle of the class. */
    static Set<String> recursive(ClassModel model) {
        String self = model.thisClass().asInternalName();
        Map<String, List<String>> calls = new LinkedHashMap<>();
        for (MethodModel m : model.methods()) {
            List<String> out = new ArrayList<>();
            m.code().ifPresent(code -> {
                for (CodeElement e : code) {
                    if (e instanceof InvokeInstruction i && i.owner().asInternalName().equals(self)) {
                        out.add(i.name().stringValue() + i.type().stringValue());
                    }
                }
            });
            calls.put(key(m), out);
        }
        return onCycles(calls);
    }

    /**
     * The nodes of a directed graph (node → its successors, in any order, repeats allowed) that
     * lie on a cycle; successors that are not keys are ignored.
     */
    static Set<String> onCycles(Map<String, List<String>> calls) {
        return new Tarjan(calls).cyclic;
    }

    static String key(MethodModel m) {
        return m.methodName().stringValue() + m.methodType().stringValue();
    }

    /** Tarjan's strongly connected components, iterative (a class may have long call chains). */
    private static final class Tarjan {
        final Map<String, List<String>> calls;
        final Map<String, Integer> index = new HashMap<>(), low = new HashMap<>();
        final Deque<String> stack = new ArrayDeque<>();
        final Set<String> onStack = new HashSet<>();
        final Set<String> cyclic = new HashSet<>();
        int next;

        Tarjan(Map<String, List<String>> calls) {
            this.calls = calls;
            for (String m : calls.keySet()) if (!index.containsKey(m)) visit(m);
        }

        private void visit(String root) {
            Deque<Object[]> work = new ArrayDeque<>(); // {method, index of its next callee}
            enter(root);
            work.push(new Object[] {root, 0});
            while (!work.isEmpty()) {
                Object[] top = work.peek();
                String m = (String) top[0];
                List<String> callees = calls.get(m);
                int k = (Integer) top[1];
                if (k < callees.size()) {
                    top[1] = k + 1;
                    String c = callees.get(k);
                    if (!calls.containsKey(c)) continue; // inherited or absent: not a method of this class
                    if (c.equals(m)) cyclic.add(m);       // calls itself
                    if (!index.containsKey(c)) {
                        enter(c);
                        work.push(new Object[] {c, 0});
                    } else if (onStack.contains(c)) {
                        low.put(m, Math.min(low.get(m), index.get(c)));
                    }
                    continue;
                }
                work.pop();
                if (!work.isEmpty()) {
                    String caller = (String) work.peek()[0];
                    low.put(caller, Math.min(low.get(caller), low.get(m)));
                }
                if (low.get(m).equals(index.get(m))) {
                    List<String> component = new ArrayList<>();
                    String x;
                    do {
                        x = stack.pop();
                        onStack.remove(x);
                        component.add(x);
                    } while (!x.equals(m));
                    if (component.size() > 1) cyclic.addAll(component);
                }
            }
        }

        private void enter(String m) {
            index.put(m, next);
            low.put(m, next);
            next++;
            stack.push(m);
            onStack.add(m);
        }
    }
}
