package dev.kosh.escapes;

import dev.kosh.api.ProcessContext;
import dev.kosh.api.Program;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.ObjectInputStream;
import java.lang.foreign.Arena;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;

/**
 * The escape corpus as programs: {@code EscapeBundlesTest} packs each nested class (with the
 * classes nested in it) into a bundle of its own and runs it in a booted kernel, through the real
 * framework and its weaving hook. Never run unwoven.
 */
@SuppressWarnings({"removal", "deprecation", "unused"})
public final class Escapes {
    private Escapes() {}

    // ---- refused at load ------------------------------------------------------------------------
    public static final class FileExists implements Program {
        public int main(ProcessContext ctx) { return new File("/etc/passwd").exists() ? 0 : 1; }
    }
    public static final class NioFiles implements Program {
        public int main(ProcessContext ctx) throws Exception { return Files.readString(Path.of("/etc/passwd")).length(); }
    }
    public static final class SocketConnect implements Program {
        public int main(ProcessContext ctx) throws Exception { try (var s = new Socket("127.0.0.1", 9)) { return 0; } }
    }
    public static final class UrlOpenStream implements Program {
        public int main(ProcessContext ctx) throws Exception { try (var in = URI.create("http://127.0.0.1/").toURL().openStream()) { return in.read(); } }
    }
    public static final class RuntimeExec implements Program {
        public int main(ProcessContext ctx) throws Exception { Runtime.getRuntime().exec(new String[] {"true"}); return 0; }
    }
    public static final class ProcessBuilderStart implements Program {
        public int main(ProcessContext ctx) throws Exception { new ProcessBuilder("true").start(); return 0; }
    }
    public static final class SystemExit implements Program {
        public int main(ProcessContext ctx) { System.exit(3); return 0; }
    }
    public static final class RuntimeHalt implements Program {
        public int main(ProcessContext ctx) { Runtime.getRuntime().halt(3); return 0; }
    }
    public static final class ShutdownHook implements Program {
        public int main(ProcessContext ctx) { Runtime.getRuntime().addShutdownHook(null); return 0; }
    }
    public static final class SetProperty implements Program {
        public int main(ProcessContext ctx) { System.setProperty("kosh.escape", "1"); return 0; }
    }
    public static final class SystemOut implements Program {
        public int main(ProcessContext ctx) { System.out.println("ambient console"); return 0; }
    }
    public static final class Getenv implements Program {
        public int main(ProcessContext ctx) { return System.getenv("HOME") == null ? 1 : 0; }
    }
    public static final class LoadLibrary implements Program {
        public int main(ProcessContext ctx) { System.loadLibrary("c"); return 0; }
    }
    public static final class NewThread implements Program {
        public int main(ProcessContext ctx) { new Thread(() -> {}).start(); return 0; }
    }
    public static final class VirtualThread implements Program {
        public int main(ProcessContext ctx) { Thread.ofVirtual().start(() -> {}); return 0; }
    }
    public static final class FixedThreadPool implements Program {
        public int main(ProcessContext ctx) { Executors.newFixedThreadPool(2).shutdown(); return 0; }
    }
    public static final class CommonPool implements Program {
        public int main(ProcessContext ctx) { ForkJoinPool.commonPool().submit(() -> 1); return 0; }
    }
    public static final class UnsafeAccess implements Program {
        public int main(ProcessContext ctx) throws Exception { return sun.misc.Unsafe.class.getDeclaredField("theUnsafe").getModifiers(); }
    }
    public static final class ForeignArena implements Program {
        public int main(ProcessContext ctx) { try (Arena a = Arena.ofConfined()) { a.allocate(8); } return 0; }
    }
    public static final class ManagementBean implements Program {
        public int main(ProcessContext ctx) { return ManagementFactory.getRuntimeMXBean().getName().length(); }
    }
    public static final class OwnClassLoader extends ClassLoader implements Program {
        public int main(ProcessContext ctx) { return 0; }
    }
    public static final class SetAccessible implements Program {
        public int main(ProcessContext ctx) throws Exception { String.class.getDeclaredField("value").setAccessible(true); return 0; }
    }
    public static final class PrivateLookup implements Program {
        public int main(ProcessContext ctx) throws Exception { MethodHandles.privateLookupIn(String.class, MethodHandles.lookup()); return 0; }
    }
    public static final class DeserializeGadget implements Program {
        public int main(ProcessContext ctx) throws Exception { new ObjectInputStream(new ByteArrayInputStream(new byte[0])).readObject(); return 0; }
    }
    public static final class Finalizer implements Program {
        public int main(ProcessContext ctx) { return 0; }
        @Override protected void finalize() { }
    }
    public static final class LambdaToExit implements Program {
        public int main(ProcessContext ctx) { IntConsumer exit = System::exit; exit.accept(3); return 0; }
    }
    public static final class MethodRefToForName implements Program {
        interface ClassByName { Class<?> load(String name) throws Exception; }
        public int main(ProcessContext ctx) throws Exception { ClassByName f = Class::forName; f.load("java.lang.ProcessBuilder"); return 0; }
    }
    public static final class CatchKilled implements Program {
        public int main(ProcessContext ctx) { try { return 0; } catch (dev.kosh.sandbox.Killed k) { return 1; } }
    }
    public static final class LoadInstalled implements Program {
        public int main(ProcessContext ctx) { return ServiceLoader.loadInstalled(Runnable.class).findFirst().isPresent() ? 1 : 0; }
    }
    /** A library class that starts a thread for its caller: refused when the program first uses it. */
    public static final class ThreadLibraryUser implements Program {
        static final class Library {
            static void startWorker(Runnable r) { new Thread(r).start(); }
        }
        public int main(ProcessContext ctx) { Library.startWorker(() -> {}); return 0; }
    }

    /** Calls a class of another, deployed library bundle that starts a thread. */
    public static final class LibraryBundleUser implements Program {
        public int main(ProcessContext ctx) { dev.kosh.escapes.lib.ThreadStarter.startWorker(() -> {}); return 0; }
    }

    // ---- refused at run time ----------------------------------------------------------------------
    public static final class ReflectiveExit implements Program {
        public int main(ProcessContext ctx) throws Exception {
            Class.forName(String.join(".", "java", "lang", "Sys" + "tem")).getMethod("ex" + "it", int.class).invoke(null, 3);
            return 0;
        }
    }
    public static final class ReflectiveForName implements Program {
        public int main(ProcessContext ctx) throws Exception { Class.forName(String.join(".", "java", "lang", "Process" + "Builder")); return 0; }
    }
    public static final class HandleToRuntimeExit implements Program {
        public int main(ProcessContext ctx) throws Exception {
            MethodHandles.lookup().findVirtual(Runtime.class, "ex" + "it", MethodType.methodType(void.class, int.class));
            return 0;
        }
    }
    public static final class ReflectiveThread implements Program {
        public int main(ProcessContext ctx) throws Exception {
            Runnable r = () -> {};
            Thread.class.getConstructor(Runnable.class).newInstance(r);
            return 0;
        }
    }
    public static final class ReflectiveStdout implements Program {
        public int main(ProcessContext ctx) throws Exception { System.class.getField("o" + "ut").get(null); return 0; }
    }
    public static final class ServiceLoaderForeignLoader implements Program {
        public int main(ProcessContext ctx) {
            ClassLoader kernels = ProcessContext.class.getClassLoader(); // the loader of the kernel's API
            return ServiceLoader.load(Runnable.class, kernels).findFirst().isPresent() ? 1 : 0;
        }
    }
    public static final class ReflectiveContextLoader implements Program {
        public int main(ProcessContext ctx) throws Exception {
            Thread.class.getMethod("getContext" + "ClassLoader").invoke(Thread.currentThread());
            return 0;
        }
    }

    // ---- rewritten: the same call, with the process's own authority (exit 0 = it got only that) ----
    public static final class ContextClassLoader implements Program {
        public int main(ProcessContext ctx) { return Thread.currentThread().getContextClassLoader() == getClass().getClassLoader() ? 0 : 2; }
    }
    public static final class ServiceLoaderViaContext implements Program {
        public int main(ProcessContext ctx) { return ServiceLoader.load(Callable.class).stream().count() == 0 ? 0 : 2; }
    }
    public static final class PrintStackTrace implements Program {
        public int main(ProcessContext ctx) { new IllegalStateException("escape corpus trace").printStackTrace(); return 0; }
    }

    // ---- killed ------------------------------------------------------------------------------------
    public static final class Spin implements Program {
        public int main(ProcessContext ctx) { while (true) { } }
    }
    public static final class CatchThrowableSpin implements Program {
        public static volatile long swallowed;
        public int main(ProcessContext ctx) {
            while (true) {
                try {
                    while (true) { }
                } catch (Throwable t) {
                    swallowed++;
                }
            }
        }
    }
    public static final class FinallySpin implements Program {
        public int main(ProcessContext ctx) {
            try {
                while (true) { }
            } finally {
                while (true) { }
            }
        }
    }
    public static final class BinaryRecursion implements Program {
        static long tree(int depth) { return depth == 0 ? 1 : tree(depth - 1) + tree(depth - 1); }
        public int main(ProcessContext ctx) { return (int) tree(62); }
    }
    public static final class DeepRecursion implements Program {
        static long down(int depth) { return depth == 0 ? 0 : 1 + down(depth - 1); }
        public int main(ProcessContext ctx) { long s = 0; while (true) { s += down(3000); } }
    }
}
