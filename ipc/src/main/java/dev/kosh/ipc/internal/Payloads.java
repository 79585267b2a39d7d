package dev.kosh.ipc.internal;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Makes message data safe to hand to another process: deeply immutable values pass as they are,
 * copyable ones are copied, anything else is refused. See {@code dev.kosh.api.Outgoing} for the
 * rules.
 *
 * <p>Record components are read from their fields, never through accessors (an accessor is the
 * sender's code and must not run in the kernel). Collections are walked once; a hostile
 * {@code equals}/{@code hashCode} of a set element or map key can only fail the send (the caller's
 * thread runs it, holding no kernel lock).
 */
public final class Payloads {
    /** Nesting and size limits: a message is not a way to make the kernel walk a huge graph. */
    static final int MAX_DEPTH = 16;
    static final int MAX_ELEMENTS = 1 << 16;

    /** A ClassValue, not a map: it does not keep an uninstalled bundle's record classes alive. */
    private static final ClassValue<Object> RECORD_FIELDS = new ClassValue<>() {
        @Override
        protected Object computeValue(Class<?> type) {
            try {
                RecordComponent[] components = type.getRecordComponents();
                Field[] fields = new Field[components.length];
                for (int i = 0; i < components.length; i++) {
                    Field f = type.getDeclaredField(components[i].getName());
                    if (Modifier.isStatic(f.getModifiers())) return "odd record " + type.getName();
                    f.setAccessible(true);
                    fields[i] = f;
                }
                return fields;
            } catch (NoSuchFieldException | RuntimeException e) {
                return "cannot read record " + type.getName() + ": " + e;
            }
        }
    };
    private static final String IMMUTABLE_COLLECTIONS = "java.util.ImmutableCollections$";

    private Payloads() {
    }

    /** Thrown inside this class only; {@link #freeze} turns it into a refusal. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** A value the receiver may hold without reaching the sender's state; {@link Refused} otherwise. */
    /** True for data that is immutable by itself (null, a string, a boxed primitive, an enum): it passes as it is. */
    public static boolean passesAsIs(Object v) {
        return v == null || v instanceof String || v instanceof Integer || v instanceof Long || v instanceof Boolean
                || v instanceof Double || v instanceof Float || v instanceof Short || v instanceof Byte
                || v instanceof Character || v instanceof Enum<?>;
    }

    public static Object freeze(Object value) throws Refused {
        try {
            return freeze(value, 0, new int[1]);
        } catch (RuntimeException | StackOverflowError | LinkageError e) {
            throw new Refused("message data could not be copied: " + e);
        }
    }

    private static Object freeze(Object v, int depth, int[] budget) throws Refused {
        if (v == null || v instanceof String || v instanceof Integer || v instanceof Long || v instanceof Boolean
                || v instanceof Double || v instanceof Float || v instanceof Short || v instanceof Byte
                || v instanceof Character || v instanceof Enum<?>) {
            return v;
        }
        if (depth >= MAX_DEPTH) throw new Refused("message data nests deeper than " + MAX_DEPTH);
        if (v instanceof byte[] bytes) {
            count(budget, bytes.length / 64 + 1);
            return bytes.clone();
        }
        if (v instanceof Record r) return checkRecord(r, depth, budget);
        boolean immutable = v.getClass().getName().startsWith(IMMUTABLE_COLLECTIONS);
        if (v instanceof List<?> list) {
            if (immutable && allFrozen(list, depth, budget)) return v;
            List<Object> out = new ArrayList<>(Math.min(list.size(), 64));
            for (Object o : list) {
                count(budget, 1);
                out.add(freeze(o, depth + 1, budget));
            }
            return Collections.unmodifiableList(out);
        }
        if (v instanceof Set<?> set) {
            if (immutable && allFrozen(set, depth, budget)) return v;
            Set<Object> out = new LinkedHashSet<>();
            for (Object o : set) {
                count(budget, 1);
                out.add(freeze(o, depth + 1, budget));
            }
            return Collections.unmodifiableSet(out);
        }
        if (v instanceof Map<?, ?> map) {
            if (immutable && allFrozen(map.keySet(), depth, budget) && allFrozen(map.values(), depth, budget)) return v;
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                count(budget, 2);
                out.put(freeze(e.getKey(), depth + 1, budget), freeze(e.getValue(), depth + 1, budget));
            }
            return Collections.unmodifiableMap(out);
        }
        if (v instanceof Collection<?>) throw new Refused("only List, Set and Map collections can be sent, not " + v.getClass().getName());
        throw new Refused("a " + v.getClass().getName() + " cannot be sent: message data is strings, numbers, enums, byte[], records and collections of them");
    }

    /** True if every element of a JDK immutable collection is itself frozen as it is (no copy needed). */
    private static boolean allFrozen(Collection<?> c, int depth, int[] budget) throws Refused {
        for (Object o : c) {
            count(budget, 1);
            if (freeze(o, depth + 1, budget) != o) return false;
        }
        return true;
    }

    private static void count(int[] budget, int n) throws Refused {
        budget[0] += n;
        if (budget[0] > MAX_ELEMENTS) throw new Refused("message data has more than " + MAX_ELEMENTS + " elements");
    }

    /** A record passes as it is if every component is already frozen (records are shallowly immutable). */
    private static Object checkRecord(Record r, int depth, int[] budget) throws Refused {
        for (Field f : fields(r.getClass())) {
            Object component;
            try {
                component = f.get(r);
            } catch (IllegalAccessException e) {
                throw new Refused("cannot read " + f + ": " + e.getMessage());
            }
            count(budget, 1);
            if (component instanceof byte[]) throw new Refused("record " + r.getClass().getName() + " holds an array (" + f.getName() + "): arrays inside records cannot be copied");
            Object frozen = freeze(component, depth + 1, budget);
            if (frozen != component) throw new Refused("record " + r.getClass().getName() + "." + f.getName() + " holds a mutable "
                    + component.getClass().getName() + "; use an immutable collection (List.of, Map.copyOf)");
        }
        return r;
    }

    private static Field[] fields(Class<?> type) throws Refused {
        Object known = RECORD_FIELDS.get(type);
        if (known instanceof Field[] fields) return fields;
        throw new Refused(String.valueOf(known));
    }
}
