package dev.kosh.kernel.isolation;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.ClassEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * Direct supertypes of classes the verifier meets as owners of calls, so a rule on a supertype
 * applies to a call made through a subtype ({@code Method.setAccessible} is
 * {@code AccessibleObject.setAccessible}). Names are binary names ({@code java.lang.Thread$Builder}).
 *
 * <p>Implementations must be thread-safe; the verifier caches answers per verified class.
 */
@FunctionalInterface
public interface TypeHierarchy {

    /** The superclass (first, if any) and the interfaces of {@code binaryName}, or null if unknown. */
    List<String> directSupertypes(String binaryName);

    /** {@code type} and all its supertypes this hierarchy knows, {@code type} first. */
    default List<String> closure(String type) {
        List<String> out = new java.util.ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        java.util.Deque<String> todo = new java.util.ArrayDeque<>();
        todo.add(type);
        while (!todo.isEmpty()) {
            String t = todo.poll();
            if (!seen.add(t)) continue;
            out.add(t);
            List<String> direct = directSupertypes(t);
            if (direct != null) todo.addAll(direct);
        }
        return out;
    }

    /** This hierarchy, falling back to {@code other} where this one does not know a type. */
    default TypeHierarchy orElse(TypeHierarchy other) {
        return name -> {
            List<String> mine = directSupertypes(name);
            return mine != null ? mine : other.directSupertypes(name);
        };
    }

    /**
     * JDK types (java.*, javax.*, jdk.*, sun.*, com.sun.*), answered from the running JDK without
     * initialising anything; null for every other name.
     */
    static TypeHierarchy jdk() {
        return JdkHierarchy.INSTANCE;
    }

    /**
     * Types whose class files {@code loader} can find as resources (e.g. a bundle's class loader),
     * parsed, not loaded: safe to call while that loader is defining a class.
     */
    static TypeHierarchy ofResources(ClassLoader loader) {
        return name -> {
            try (InputStream in = loader.getResourceAsStream(name.replace('.', '/') + ".class")) {
                if (in == null) return null;
                return supertypesOf(ClassFile.of().parse(in.readAllBytes()));
            } catch (IOException | IllegalArgumentException e) {
                return null; // unreadable: unknown, so rules on its supertypes are not applied through it
            }
        };
    }

    /** The direct supertypes a parsed class declares. */
    static List<String> supertypesOf(ClassModel model) {
        List<String> out = new ArrayList<>();
        model.superclass().ifPresent(s -> out.add(binary(s)));
        for (ClassEntry i : model.interfaces()) out.add(binary(i));
        return out;
    }

    private static String binary(ClassEntry e) {
        return e.asInternalName().replace('/', '.');
    }

    /** Hierarchy of the running JDK's own classes. */
    final class JdkHierarchy implements TypeHierarchy {
        static final JdkHierarchy INSTANCE = new JdkHierarchy();
        private static final ClassLoader PLATFORM = ClassLoader.getPlatformClassLoader();
        private final java.util.concurrent.ConcurrentHashMap<String, List<String>> cache = new java.util.concurrent.ConcurrentHashMap<>();
        private static final List<String> UNKNOWN = List.of("?unknown");

        private JdkHierarchy() {}

        @Override
        public List<String> directSupertypes(String name) {
            if (!(name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.")
                    || name.startsWith("sun.") || name.startsWith("com.sun."))) {
                return null;
            }
            List<String> r = cache.computeIfAbsent(name, n -> {
                try {
                    Class<?> c = Class.forName(n, false, PLATFORM);
                    List<String> out = new ArrayList<>();
                    if (c.getSuperclass() != null) out.add(c.getSuperclass().getName());
                    for (Class<?> i : c.getInterfaces()) out.add(i.getName());
                    return List.copyOf(out);
                } catch (ClassNotFoundException | LinkageError e) {
                    return UNKNOWN;
                }
            });
            return r == UNKNOWN ? null : r;
        }
    }
}
