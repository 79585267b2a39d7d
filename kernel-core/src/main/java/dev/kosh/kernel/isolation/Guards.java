package dev.kosh.kernel.isolation;

import dev.kosh.sandbox.Guard;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.Set;

/**
 * Which calls the weaver puts a {@link Guard} in front of: the entry points {@link Guard#ENTRY_POINTS}
 * lists, each mapped to the guard of the same name whose parameters are the call's receiver (if
 * any) and arguments.
 */
final class Guards {
    static final ClassDesc GUARD = ClassDesc.of(Guard.class.getName());
    private static final Set<String> AVAILABLE = new HashSet<>();

    static {
        for (Method m : Guard.class.getDeclaredMethods()) {
            if (Modifier.isPublic(m.getModifiers()) && Modifier.isStatic(m.getModifiers()) && m.getReturnType() == void.class) {
                MethodTypeDesc d = MethodTypeDesc.of(ClassDesc.ofDescriptor("V"),
                        java.util.Arrays.stream(m.getParameterTypes()).map(c -> ClassDesc.ofDescriptor(c.descriptorString())).toArray(ClassDesc[]::new));
                AVAILABLE.add(m.getName() + d.descriptorString());
            }
        }
    }

    private Guards() {}

    /** True if {@code owner.name} (internal owner name) is a guarded reflective entry point. */
    static boolean isEntryPoint(String internalOwner, String name) {
        return Guard.ENTRY_POINTS.contains(internalOwner + "." + name);
    }

    /** The guard's descriptor for a call with this owner and descriptor (receiver first unless static). */
    static MethodTypeDesc guardType(boolean isStatic, ClassDesc owner, MethodTypeDesc call) {
        MethodTypeDesc d = MethodTypeDesc.of(ClassDesc.ofDescriptor("V"), call.parameterArray());
        return isStatic ? d : d.insertParameterTypes(0, owner);
    }

    /** True if {@link Guard} declares the guard for this call. */
    static boolean hasGuard(String name, MethodTypeDesc guardType) {
        return AVAILABLE.contains(name + guardType.descriptorString());
    }
}
