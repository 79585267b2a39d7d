package dev.kosh.sandbox;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Set;

/**
 * Replacements for JDK methods that act for their caller with the kernel's authority: the weaver
 * replaces each call to one of {@link #TARGETS} (on the declaring class or a subtype) by code that
 * does the same thing with the process's own authority.
 *
 * <ul>
 *   <li>{@code Throwable.printStackTrace()} and {@code Thread.dumpStack()} write to
 *       {@code System.err}, the kernel's standard error: the trace goes to
 *       {@link SandboxHooks#stackTrace} instead (the kernel writes it to the process's journal);</li>
 *   <li>{@code Thread.getContextClassLoader()} would hand out whatever loader the kernel's thread
 *       carries: the weaver replaces it by the calling class's own loader (inline, no call here);</li>
 *   <li>{@code ServiceLoader.load(Class)} looks providers up through that context loader: the weaver
 *       replaces it by {@code ServiceLoader.load(service, <calling class>.getClassLoader())}, so
 *       only providers its own bundle can see are instantiated (inline, in the calling class, so
 *       the caller-sensitive {@code load} still sees the process's class as its caller).</li>
 * </ul>
 *
 * <p>Reaching a target reflectively or as a method handle is refused (it would skip the
 * replacement): by {@link Guard} at run time, by the verifier for constants.
 */
public final class Redirect {
    /** Replaced calls, as {@code internal/OwnerName.name(descriptor)}. */
    public static final Set<String> TARGETS = Set.of(
            "java/lang/Throwable.printStackTrace()V",
            "java/lang/Thread.dumpStack()V",
            "java/lang/Thread.getContextClassLoader()Ljava/lang/ClassLoader;",
            "java/util/ServiceLoader.load(Ljava/lang/Class;)Ljava/util/ServiceLoader;");

    private Redirect() {}

    /** {@code t.printStackTrace()}: the same text, handed to the kernel instead of its standard error. */
    public static void printStackTrace(Throwable t) {
        StringWriter text = new StringWriter();
        t.printStackTrace(new PrintWriter(text, true)); // NullPointerException for null, as the original call
        hooks("Throwable.printStackTrace()").stackTrace(Thread.currentThread(), text.toString());
    }

    /** {@code Thread.dumpStack()}: the current stack, handed to the kernel. */
    public static void dumpStack() {
        printStackTrace(new Exception("Stack trace"));
    }

    /** True if reaching {@code owner.name descriptor} other than by a direct call would skip its replacement. */
    static boolean isTarget(Class<?> owner, String name, String descriptor) {
        for (Class<?> c = owner; c != null; c = c.getSuperclass()) {
            if (TARGETS.contains(c.getName().replace('.', '/') + "." + name + descriptor)) return true;
        }
        return false;
    }

    private static SandboxHooks hooks(String what) {
        SandboxHooks h = Checkpoint.hooks();
        if (h == null) throw new SecurityException(what + " refused: the sandbox is not installed");
        return h;
    }
}
