package dev.kosh.sandbox;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.util.Set;

/**
 * Run-time guards in front of the reflective entry points: the deny list that the verifier applies
 * to instructions at load time, applied here to targets named at run time (strings, {@code Method}
 * objects, lookups).
 *
 * <p>The weaver leaves the original call in the woven class and inserts, just before it, a call to
 * the guard of the same name whose parameters are the call's receiver (first) and arguments; the
 * guard returns normally for an allowed target and throws {@link SecurityException} otherwise.
 * Keeping the original instruction in the caller keeps caller-sensitive methods
 * ({@code Class.forName}, {@code Method.invoke}, {@code Field.get}, ...) exactly as they were:
 * they still see the process's class as their caller.
 *
 * <p>{@link #ENTRY_POINTS} is the table the weaver reads: a call to one of these whose guard this
 * class does not declare (a new overload) is refused at load time rather than left unguarded.
 * Reaching an entry point itself reflectively (a {@code Method} for {@code Method.invoke}, a
 * method handle to {@code Class.forName}) is refused, since that would skip its guard.
 *
 * <p>With no hooks installed every guard refuses: the sandbox fails closed.
 */
public final class Guard {
    /** Guarded entry points, as {@code internal/OwnerName.methodName}. */
    public static final Set<String> ENTRY_POINTS = Set.of(
            "java/lang/Class.forName",
            "java/lang/Class.newInstance",
            "java/lang/ClassLoader.loadClass",
            "java/lang/reflect/Method.invoke",
            "java/lang/reflect/Constructor.newInstance",
            "java/lang/reflect/Field.get", "java/lang/reflect/Field.getBoolean", "java/lang/reflect/Field.getByte",
            "java/lang/reflect/Field.getChar", "java/lang/reflect/Field.getShort", "java/lang/reflect/Field.getInt",
            "java/lang/reflect/Field.getLong", "java/lang/reflect/Field.getFloat", "java/lang/reflect/Field.getDouble",
            "java/lang/reflect/Field.set", "java/lang/reflect/Field.setBoolean", "java/lang/reflect/Field.setByte",
            "java/lang/reflect/Field.setChar", "java/lang/reflect/Field.setShort", "java/lang/reflect/Field.setInt",
            "java/lang/reflect/Field.setLong", "java/lang/reflect/Field.setFloat", "java/lang/reflect/Field.setDouble",
            "java/lang/invoke/MethodHandles$Lookup.findStatic", "java/lang/invoke/MethodHandles$Lookup.findVirtual",
            "java/lang/invoke/MethodHandles$Lookup.findSpecial", "java/lang/invoke/MethodHandles$Lookup.findConstructor",
            "java/lang/invoke/MethodHandles$Lookup.findGetter", "java/lang/invoke/MethodHandles$Lookup.findSetter",
            "java/lang/invoke/MethodHandles$Lookup.findStaticGetter", "java/lang/invoke/MethodHandles$Lookup.findStaticSetter",
            "java/lang/invoke/MethodHandles$Lookup.findVarHandle", "java/lang/invoke/MethodHandles$Lookup.findStaticVarHandle",
            "java/lang/invoke/MethodHandles$Lookup.findClass", "java/lang/invoke/MethodHandles$Lookup.bind",
            "java/lang/invoke/MethodHandles$Lookup.unreflect", "java/lang/invoke/MethodHandles$Lookup.unreflectSpecial",
            "java/lang/invoke/MethodHandles$Lookup.unreflectConstructor", "java/lang/invoke/MethodHandles$Lookup.unreflectGetter",
            "java/lang/invoke/MethodHandles$Lookup.unreflectSetter", "java/lang/invoke/MethodHandles$Lookup.unreflectVarHandle",
            "java/lang/reflect/Proxy.newProxyInstance",
            "java/util/ServiceLoader.load");

    private Guard() {}

    // ---- classes named by strings ----------------------------------------------------------

    public static void forName(String name) {
        checkClassName("Class.forName", name);
    }

    public static void forName(String name, boolean initialize, ClassLoader loader) {
        checkClassName("Class.forName", name);
    }

    public static void forName(Module module, String name) {
        checkClassName("Class.forName", name);
    }

    public static void loadClass(ClassLoader loader, String name) {
        checkClassName("ClassLoader.loadClass", name);
    }

    public static void findClass(MethodHandles.Lookup lookup, String name) {
        checkClassName("Lookup.findClass", name);
    }

    // ---- core reflection -------------------------------------------------------------------

    public static void newInstance(Class<?> type) {
        if (type != null) checkMember("Class.newInstance", type, "<init>", "()V");
    }

    public static void invoke(Method method, Object receiver, Object[] args) {
        if (method != null) checkMember("Method.invoke", method.getDeclaringClass(), method.getName(), descriptor(method));
    }

    public static void newInstance(Constructor<?> constructor, Object[] args) {
        if (constructor != null) {
            checkMember("Constructor.newInstance", constructor.getDeclaringClass(), "<init>",
                    MethodType.methodType(void.class, constructor.getParameterTypes()).descriptorString());
        }
    }

    public static void get(Field f, Object o) { field("Field.get", f); }
    public static void getBoolean(Field f, Object o) { field("Field.getBoolean", f); }
    public static void getByte(Field f, Object o) { field("Field.getByte", f); }
    public static void getChar(Field f, Object o) { field("Field.getChar", f); }
    public static void getShort(Field f, Object o) { field("Field.getShort", f); }
    public static void getInt(Field f, Object o) { field("Field.getInt", f); }
    public static void getLong(Field f, Object o) { field("Field.getLong", f); }
    public static void getFloat(Field f, Object o) { field("Field.getFloat", f); }
    public static void getDouble(Field f, Object o) { field("Field.getDouble", f); }
    public static void set(Field f, Object o, Object v) { field("Field.set", f); }
    public static void setBoolean(Field f, Object o, boolean v) { field("Field.setBoolean", f); }
    public static void setByte(Field f, Object o, byte v) { field("Field.setByte", f); }
    public static void setChar(Field f, Object o, char v) { field("Field.setChar", f); }
    public static void setShort(Field f, Object o, short v) { field("Field.setShort", f); }
    public static void setInt(Field f, Object o, int v) { field("Field.setInt", f); }
    public static void setLong(Field f, Object o, long v) { field("Field.setLong", f); }
    public static void setFloat(Field f, Object o, float v) { field("Field.setFloat", f); }
    public static void setDouble(Field f, Object o, double v) { field("Field.setDouble", f); }

    public static void newProxyInstance(ClassLoader loader, Class<?>[] interfaces, InvocationHandler handler) {
        if (interfaces == null) return;
        for (Class<?> i : interfaces) {
            if (i != null) checkClassName("Proxy.newProxyInstance", i.getName());
        }
    }

    // ---- JDK code that instantiates classes for the caller ----------------------------------

    /**
     * {@code ServiceLoader.load(service, loader)} instantiates every provider {@code loader} can
     * see: only the calling class's own loader is allowed (the weaver turns the one-argument
     * {@code load(service)} into this form with that loader).
     */
    public static void load(Class<?> service, ClassLoader loader) {
        Class<?> caller = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).getCallerClass();
        hooks("ServiceLoader.load", String.valueOf(service));
        if (loader == null || loader != caller.getClassLoader()) {
            throw new SecurityException("ServiceLoader.load of " + (service == null ? null : service.getName()) + " with class loader "
                    + loader + " refused: only the process's own class loader (" + caller.getClassLoader()
                    + ") may look up providers, or providers the process cannot see would be instantiated for it");
        }
    }

    // ---- method handles --------------------------------------------------------------------

    public static void findStatic(MethodHandles.Lookup l, Class<?> refc, String name, MethodType type) {
        lookupMember("Lookup.findStatic", refc, name, type);
    }

    public static void findVirtual(MethodHandles.Lookup l, Class<?> refc, String name, MethodType type) {
        lookupMember("Lookup.findVirtual", refc, name, type);
    }

    public static void findSpecial(MethodHandles.Lookup l, Class<?> refc, String name, MethodType type, Class<?> caller) {
        lookupMember("Lookup.findSpecial", refc, name, type);
    }

    public static void findConstructor(MethodHandles.Lookup l, Class<?> refc, MethodType type) {
        lookupMember("Lookup.findConstructor", refc, "<init>", type);
    }

    public static void findGetter(MethodHandles.Lookup l, Class<?> refc, String name, Class<?> type) {
        lookupField("Lookup.findGetter", refc, name, type);
    }

    public static void findSetter(MethodHandles.Lookup l, Class<?> refc, String name, Class<?> type) {
        lookupField("Lookup.findSetter", refc, name, type);
    }

    public static void findStaticGetter(MethodHandles.Lookup l, Class<?> refc, String name, Class<?> type) {
        lookupField("Lookup.findStaticGetter", refc, name, type);
    }

    public static void findStaticSetter(MethodHandles.Lookup l, Class<?> refc, String name, Class<?> type) {
        lookupField("Lookup.findStaticSetter", refc, name, type);
    }

    public static void findVarHandle(MethodHandles.Lookup l, Class<?> refc, String name, Class<?> type) {
        lookupField("Lookup.findVarHandle", refc, name, type);
    }

    public static void findStaticVarHandle(MethodHandles.Lookup l, Class<?> refc, String name, Class<?> type) {
        lookupField("Lookup.findStaticVarHandle", refc, name, type);
    }

    public static void bind(MethodHandles.Lookup l, Object receiver, String name, MethodType type) {
        if (receiver != null) lookupMember("Lookup.bind", receiver.getClass(), name, type);
    }

    public static void unreflect(MethodHandles.Lookup l, Method m) {
        if (m != null) checkMember("Lookup.unreflect", m.getDeclaringClass(), m.getName(), descriptor(m));
    }

    public static void unreflectSpecial(MethodHandles.Lookup l, Method m, Class<?> caller) {
        if (m != null) checkMember("Lookup.unreflectSpecial", m.getDeclaringClass(), m.getName(), descriptor(m));
    }

    public static void unreflectConstructor(MethodHandles.Lookup l, Constructor<?> c) {
        newInstance(c, null);
    }

    public static void unreflectGetter(MethodHandles.Lookup l, Field f) { field("Lookup.unreflectGetter", f); }
    public static void unreflectSetter(MethodHandles.Lookup l, Field f) { field("Lookup.unreflectSetter", f); }
    public static void unreflectVarHandle(MethodHandles.Lookup l, Field f) { field("Lookup.unreflectVarHandle", f); }

    // ---- checks ----------------------------------------------------------------------------

    private static void lookupMember(String via, Class<?> refc, String name, MethodType type) {
        if (refc != null && name != null && type != null) checkMember(via, refc, name, type.descriptorString());
    }

    private static void lookupField(String via, Class<?> refc, String name, Class<?> type) {
        if (refc != null && name != null && type != null) checkMember(via, refc, name, type.descriptorString());
    }

    private static void field(String via, Field f) {
        if (f != null) checkMember(via, f.getDeclaringClass(), f.getName(), f.getType().descriptorString());
    }

    private static String descriptor(Method m) {
        return MethodType.methodType(m.getReturnType(), m.getParameterTypes()).descriptorString();
    }

    private static void checkClassName(String via, String name) {
        if (name == null) return; // the original call throws its own NullPointerException
        String reason = hooks(via, name).denialForClass(name);
        if (reason != null) throw new SecurityException(via + "(\"" + name + "\") refused: " + reason);
    }

    private static void checkMember(String via, Class<?> owner, String name, String descriptor) {
        String target = owner.getName() + "." + name + descriptor;
        String reason = ENTRY_POINTS.contains(owner.getName().replace('.', '/') + "." + name)
                ? "a reflective entry point may not be reached reflectively (it would skip its guard); call it directly"
                : Redirect.isTarget(owner, name, descriptor)
                ? "a method the sandbox replaces may not be reached reflectively (it would skip the replacement); call it directly"
                : hooks(via, target).denialForMember(owner, name, descriptor);
        if (reason != null) throw new SecurityException(via + " of " + target + " refused: " + reason);
    }

    private static SandboxHooks hooks(String via, String target) {
        SandboxHooks h = Checkpoint.hooks();
        if (h == null) throw new SecurityException(via + " of " + target + " refused: the sandbox is not installed");
        return h;
    }
}
