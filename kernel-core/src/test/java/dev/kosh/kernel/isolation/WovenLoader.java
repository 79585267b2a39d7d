package dev.kosh.kernel.isolation;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassHierarchyResolver;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A child-first test class loader that plays the bundle class loader plus the WeavingHook: classes
 * under the given prefixes are read from the parent's resources (or from {@code extra}), verified
 * and woven, then defined here (or defined as they are, when weaving is off). A refused class fails
 * to load with a {@link ClassFormatError} naming the violations, as a refusing WeavingHook would.
 */
public final class WovenLoader extends ClassLoader {
    private final List<String> prefixes;
    private final boolean weave;
    private final Map<String, byte[]> extra;
    private final ClassWeaver weaver = SandboxFixture.weaver();
    public final Map<String, WeaveResult> results = new ConcurrentHashMap<>();

    static {
        registerAsParallelCapable();
    }

    public WovenLoader(List<String> prefixes, boolean weave, Map<String, byte[]> extra) {
        super("woven-test", WovenLoader.class.getClassLoader());
        this.prefixes = prefixes;
        this.weave = weave;
        this.extra = extra;
    }

    public WovenLoader(String prefix) {
        this(List.of(prefix), true, Map.of());
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (prefixes.stream().noneMatch(name::startsWith)) return super.loadClass(name, resolve);
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) c = define(name);
            if (resolve) resolveClass(c);
            return c;
        }
    }

    private Class<?> define(String name) throws ClassNotFoundException {
        byte[] bytes = extra.containsKey(name) ? extra.get(name) : read(getParent(), name);
        if (bytes == null) throw new ClassNotFoundException(name);
        if (!weave) return defineClass(name, bytes, 0, bytes.length);
        WeaveResult r = weaver.weave(name, bytes,
                ClassHierarchyResolver.defaultResolver().orElse(ClassHierarchyResolver.ofResourceParsing(getParent())),
                TypeHierarchy.jdk().orElse(TypeHierarchy.ofResources(getParent())), "test-process");
        results.put(name, r);
        return switch (r) {
            case WeaveResult.Woven w -> defineClass(name, w.bytes(), 0, w.bytes().length);
            case WeaveResult.Unchanged u -> defineClass(name, bytes, 0, bytes.length);
            case WeaveResult.Refused f -> throw new ClassFormatError(f.verdict().message());
            case WeaveResult.Failed f -> throw new ClassFormatError(f.reason());
        };
    }

    /** The class file of {@code name} as {@code loader} finds it, or null. */
    public static byte[] read(ClassLoader loader, String name) {
        try (InputStream in = loader.getResourceAsStream(name.replace('.', '/') + ".class")) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
