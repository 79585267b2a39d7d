package dev.kosh.ipc.internal;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The methods of a service protocol, numbered: the label of a call is the method's index in the
 * order of (name, parameter types). Client stub and server dispatcher number them the same way
 * from the same interface, so no table travels.
 *
 * <p>Replies: label {@link #OK} with the result as data, or {@link #FAILED} with
 * {@code List.of(errnoName, message)}.
 */
final class ProtocolMethods {
    static final int OK = 0;
    static final int FAILED = 1;

    private static final ClassValue<List<Method>> METHODS = new ClassValue<>() {
        @Override
        protected List<Method> computeValue(Class<?> type) {
            List<Method> out = new ArrayList<>();
            for (Method m : type.getMethods()) {
                if (Modifier.isStatic(m.getModifiers()) || m.isDefault() || m.getDeclaringClass() == Object.class) continue;
                out.add(m);
            }
            out.sort(Comparator.comparing(ProtocolMethods::signature));
            return List.copyOf(out);
        }
    };

    private ProtocolMethods() {
    }

    static List<Method> of(Class<?> protocol) {
        return METHODS.get(protocol);
    }

    static String signature(Method m) {
        return m.getName() + Arrays.toString(m.getParameterTypes());
    }
}
