package dev.kosh.kernel.isolation.corpus;

import dev.kosh.sandbox.Checkpoint;
import dev.kosh.sandbox.Killed;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.ObjectInputStream;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.lang.ref.Cleaner;
import java.lang.reflect.AccessibleObject;
import java.lang.reflect.Method;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Timer;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;

/**
 * The escape corpus: one small class per way out of the sandbox. Compiled as ordinary test
 * sources and never run unwoven; the corpus test reads their class files and verifies, weaves,
 * loads and runs them in a {@code WovenLoader}. Each is a {@link Callable} so the test can run it.
 */
@SuppressWarnings({"removal", "deprecation", "unused", "sunapi"})
public final class Escapes {
    private Escapes() {}

    // ---- refused at load: files ---------------------------------------------------------------
    public static final class FileExists implements Callable<Object> {
        public Object call() { return new File("/etc/passwd").exists(); }
    }
    public static final class FileStream implements Callable<Object> {
        public Object call() throws Exception { try (var in = new FileInputStream("/etc/passwd")) { return in.read(); } }
    }
    public static final class RandomAccess implements Callable<Object> {
        public Object call() throws Exception { try (var f = new RandomAccessFile("/etc/passwd", "r")) { return f.length(); } }
    }
    public static final class NioFiles implements Callable<Object> {
        public Object call() throws Exception { return Files.readString(Path.of("/etc/passwd")); }
    }
    public static final class FileChannelOpen implements Callable<Object> {
        public Object call() throws Exception { try (var c = FileChannel.open(Path.of("/etc/passwd"))) { return c.size(); } }
    }
    public static final class PrintWriterByName implements Callable<Object> {
        public Object call() throws Exception { try (var w = new PrintWriter("/tmp/kosh-escape")) { w.println("x"); } return null; }
    }

    // ---- refused at load: network -------------------------------------------------------------
    public static final class SocketConnect implements Callable<Object> {
        public Object call() throws Exception { try (var s = new Socket("127.0.0.1", 9)) { return s.isConnected(); } }
    }
    public static final class ServerSocketBind implements Callable<Object> {
        public Object call() throws Exception { try (var s = new ServerSocket(0)) { return s.getLocalPort(); } }
    }
    public static final class DatagramSend implements Callable<Object> {
        public Object call() throws Exception { try (var s = new DatagramSocket()) { return s.getLocalPort(); } }
    }
    public static final class UrlOpenStream implements Callable<Object> {
        public Object call() throws Exception { try (var in = URI.create("http://127.0.0.1/").toURL().openStream()) { return in.read(); } }
    }
    public static final class HttpClientSend implements Callable<Object> {
        public Object call() { return HttpClient.newHttpClient(); }
    }
    public static final class SocketChannelOpen implements Callable<Object> {
        public Object call() throws Exception { try (var c = SocketChannel.open()) { return c.isOpen(); } }
    }

    // ---- refused at load: host processes and the JVM -----------------------------------------
    public static final class RuntimeExec implements Callable<Object> {
        public Object call() throws Exception { return Runtime.getRuntime().exec(new String[] {"true"}); }
    }
    public static final class ProcessBuilderStart implements Callable<Object> {
        public Object call() throws Exception { return new ProcessBuilder("true").start(); }
    }
    public static final class SystemExit implements Callable<Object> {
        public Object call() { System.exit(3); return null; }
    }
    public static final class RuntimeHalt implements Callable<Object> {
        public Object call() { Runtime.getRuntime().halt(3); return null; }
    }
    public static final class ShutdownHook implements Callable<Object> {
        public Object call() { Runtime.getRuntime().addShutdownHook(null); return null; }
    }
    public static final class SetProperty implements Callable<Object> {
        public Object call() { return System.setProperty("kosh.escape", "1"); }
    }
    public static final class SetOut implements Callable<Object> {
        public Object call() { System.setOut(null); return null; }
    }
    public static final class SystemOutPrint implements Callable<Object> {
        public Object call() { System.out.println("ambient console"); return null; }
    }
    public static final class Getenv implements Callable<Object> {
        public Object call() { return System.getenv("HOME"); }
    }
    public static final class LoadLibrary implements Callable<Object> {
        public Object call() { System.loadLibrary("c"); return null; }
    }

    // ---- refused at load: threads and executors -----------------------------------------------
    public static final class NewThread implements Callable<Object> {
        public Object call() { new Thread(() -> {}).start(); return null; }
    }
    public static final class VirtualThread implements Callable<Object> {
        public Object call() { return Thread.ofVirtual().start(() -> {}); }
    }
    public static final class FixedThreadPool implements Callable<Object> {
        public Object call() { return Executors.newFixedThreadPool(2); }
    }
    public static final class CommonPool implements Callable<Object> {
        public Object call() { return ForkJoinPool.commonPool().submit(() -> 1); }
    }
    public static final class SupplyAsync implements Callable<Object> {
        public Object call() { return CompletableFuture.supplyAsync(() -> 1).join(); }
    }
    public static final class ParallelStream implements Callable<Object> {
        public Object call() { return List.of(1, 2, 3).parallelStream().mapToInt(i -> i).sum(); }
    }
    public static final class TimerThread implements Callable<Object> {
        public Object call() { return new Timer(); }
    }
    public static final class CleanerThread implements Callable<Object> {
        public Object call() { return Cleaner.create(); }
    }
    /** A "library" that starts a thread for its caller: refused when it is loaded. */
    public static final class ThreadLibrary {
        public static void startWorker(Runnable r) { new Thread(r).start(); }
    }
    /** An application that only calls the library: accepted, but the library never loads. */
    public static final class ThreadLibraryUser implements Callable<Object> {
        public Object call() { ThreadLibrary.startWorker(() -> {}); return null; }
    }

    // ---- refused at load: JVM internals, native memory, instrumentation, management ----------
    public static final class UnsafeAccess implements Callable<Object> {
        public Object call() throws Exception { return sun.misc.Unsafe.class.getDeclaredField("theUnsafe"); }
    }
    public static final class ForeignArena implements Callable<Object> {
        public Object call() { try (Arena a = Arena.ofConfined()) { return a.allocate(8); } }
    }
    public static final class Instrument implements Callable<Object> {
        Instrumentation inst;
        public Object call() { return inst.getAllLoadedClasses(); }
    }
    public static final class ManagementBean implements Callable<Object> {
        public Object call() { return ManagementFactory.getRuntimeMXBean().getName(); }
    }
    public static final class JmxServer implements Callable<Object> {
        public Object call() { return javax.management.MBeanServerFactory.createMBeanServer(); }
    }

    // ---- refused at load: class loading and encapsulation -------------------------------------
    public static final class OwnClassLoader extends ClassLoader implements Callable<Object> {
        public Object call() { return this; }
    }
    public static final class LookupDefineClass implements Callable<Object> {
        public Object call() throws Exception { return MethodHandles.lookup().defineClass(new byte[0]); }
    }
    public static final class SystemClassLoader implements Callable<Object> {
        public Object call() { return ClassLoader.getSystemClassLoader(); }
    }
    public static final class SetAccessible implements Callable<Object> {
        public Object call() throws Exception { String.class.getDeclaredField("value").setAccessible(true); return null; }
    }
    public static final class PrivateLookup implements Callable<Object> {
        public Object call() throws Exception { return MethodHandles.privateLookupIn(String.class, MethodHandles.lookup()); }
    }
    public static final class DeserializeGadget implements Callable<Object> {
        public Object call() throws Exception { return new ObjectInputStream(new ByteArrayInputStream(new byte[0])).readObject(); }
    }
    public static final class Finalizer implements Callable<Object> {
        public Object call() { return null; }
        @Override protected void finalize() { }
    }
    public static final class LambdaToExit implements Callable<Object> {
        public Object call() { IntConsumer exit = System::exit; exit.accept(3); return null; }
    }
    public interface ClassByName { Class<?> load(String name) throws Exception; }
    public static final class MethodRefToForName implements Callable<Object> {
        public Object call() throws Exception { ClassByName f = Class::forName; return f.load("java.lang.ProcessBuilder"); }
    }
    public static final class CatchKilled implements Callable<Object> {
        public Object call() { try { return null; } catch (Killed k) { return "swallowed"; } }
    }
    public static final class CallSandboxDirectly implements Callable<Object> {
        public Object call() { Checkpoint.poll(); return null; }
    }

    // ---- contained at run time: reflection the verifier cannot see ---------------------------
    public static final class ReflectiveExit implements Callable<Object> {
        public Object call() throws Exception {
            Class<?> system = Class.forName(String.join(".", "java", "lang", "Sys" + "tem"));
            return system.getMethod("ex" + "it", int.class).invoke(null, 3);
        }
    }
    public static final class ReflectiveForName implements Callable<Object> {
        public Object call() throws Exception { return Class.forName(String.join(".", "java", "lang", "Process" + "Builder")); }
    }
    public static final class HandleToRuntimeExit implements Callable<Object> {
        public Object call() throws Exception {
            return MethodHandles.lookup().findVirtual(Runtime.class, "ex" + "it", MethodType.methodType(void.class, int.class));
        }
    }
    public static final class UnreflectExit implements Callable<Object> {
        public Object call() throws Exception {
            return MethodHandles.lookup().unreflect(System.class.getMethod("ex" + "it", int.class));
        }
    }
    public static final class ReflectiveThread implements Callable<Object> {
        public Object call() throws Exception {
            Runnable r = () -> {};
            return Thread.class.getConstructor(Runnable.class).newInstance(r);
        }
    }
    public static final class ReflectiveSetAccessible implements Callable<Object> {
        public Object call() throws Exception {
            Method set = AccessibleObject.class.getMethod("set" + "Accessible", boolean.class);
            return set.invoke(String.class.getDeclaredField("hash"), true);
        }
    }
    public static final class ReflectiveStdout implements Callable<Object> {
        public Object call() throws Exception { return System.class.getField("o" + "ut").get(null); }
    }
    public static final class LoadSandboxClass implements Callable<Object> {
        public Object call() throws Exception { return getClass().getClassLoader().loadClass("dev.kosh.sand" + "box.Checkpoint"); }
    }
    public static final class InvokeViaInvoke implements Callable<Object> {
        public Object call() throws Exception {
            Method invoke = Method.class.getMethod("in" + "voke", Object.class, Object[].class);
            Method exit = Runtime.class.getMethod("gc");
            return invoke.invoke(exit, Runtime.getRuntime(), new Object[0]);
        }
    }

    // ---- JDK code that acts for the caller -------------------------------------------------------
    /** A service interface; its provider below is registered only through a foreign context loader. */
    public interface Spi { String name(); }
    public static final class TcclProvider implements Spi {
        public String name() { return "provider the process's own bundle cannot see"; }
    }
    public static final class LoadInstalled implements Callable<Object> {
        public Object call() { return ServiceLoader.loadInstalled(Spi.class).findFirst(); }
    }
    public static final class LoadFromLayer implements Callable<Object> {
        public Object call() { return ServiceLoader.load(ModuleLayer.boot(), Spi.class).findFirst(); }
    }
    /** Loads with the context loader: rewritten to the calling class's own loader, so the provider is not found. */
    public static final class ServiceLoaderViaContext implements Callable<Object> {
        public Object call() { return ServiceLoader.load(Spi.class).stream().map(p -> p.type().getName()).toList(); }
    }
    public static final class ServiceLoaderForeignLoader implements Callable<Object> {
        public Object call() { return ServiceLoader.load(Spi.class, getClass().getClassLoader().getParent()).findFirst(); }
    }
    public static final class ServiceLoaderNullLoader implements Callable<Object> {
        public Object call() { return ServiceLoader.load(Spi.class, null).findFirst(); }
    }
    /** Returns the context class loader: rewritten to the calling class's own loader. */
    public static final class ContextClassLoader implements Callable<Object> {
        public Object call() { return Thread.currentThread().getContextClassLoader(); }
    }
    public static final class ContextLoaderMethodRef implements Callable<Object> {
        public Object call() { java.util.function.Supplier<ClassLoader> s = Thread.currentThread()::getContextClassLoader; return s.get(); }
    }
    public static final class ReflectiveContextLoader implements Callable<Object> {
        public Object call() throws Exception {
            return Thread.class.getMethod("getContext" + "ClassLoader").invoke(Thread.currentThread());
        }
    }
    /** printStackTrace() would write to the kernel's standard error: rewritten to the kernel's hook. */
    public static final class PrintStackTrace implements Callable<Object> {
        public Object call() { new IllegalStateException("trace of the escape corpus").printStackTrace(); return null; }
    }
    /** Thread.dumpStack() writes to System.err too. */
    public static final class DumpStack implements Callable<Object> {
        public Object call() { Thread.dumpStack(); return null; }
    }
    public static final class PrintStackTraceMethodRef implements Callable<Object> {
        public Object call() { Runnable r = new IllegalStateException("x")::printStackTrace; r.run(); return null; }
    }

    // ---- contained at run time: killed --------------------------------------------------------
    public static final class Spin implements Callable<Object> {
        public Object call() { while (true) { } }
    }
    public static final class CatchThrowableSpin implements Callable<Object> {
        public static volatile long swallowed;
        public Object call() {
            while (true) {
                try {
                    while (true) { }
                } catch (Throwable t) {
                    swallowed++;
                }
            }
        }
    }
    public static final class FinallySpin implements Callable<Object> {
        public Object call() {
            try {
                while (true) { }
            } finally {
                while (true) { }
            }
        }
    }
    public static final class SynchronizedSpin implements Callable<Object> {
        public static final Object LOCK = new Object();
        public Object call() {
            synchronized (LOCK) {
                while (true) { }
            }
        }
    }
    public static final class SpinningInitializer {
        public static final int VALUE;
        static {
            int v = 0;
            while (v >= 0) { v = (v + 1) & 0xffff; }
            VALUE = v;
        }
    }
    public static final class StaticInitSpin implements Callable<Object> {
        public Object call() { return SpinningInitializer.VALUE; }
    }
    public static final class BinaryRecursion implements Callable<Object> {
        static long tree(int depth) { return depth == 0 ? 1 : tree(depth - 1) + tree(depth - 1); }
        public Object call() { return tree(62); }
    }
    public static final class DeepRecursion implements Callable<Object> {
        static long down(int depth) { return depth == 0 ? 0 : 1 + down(depth - 1); }
        public Object call() { long s = 0; while (true) { s += down(3000); } }
    }
    /** A counted inner loop in an endless outer one (C2 unrolls the inner loop). */
    public static final class NestedLoops implements Callable<Object> {
        public static volatile long sink;
        public Object call() {
            int[] a = new int[4096];
            while (true) {
                for (int i = 0; i < a.length; i++) a[i] += i;
                sink = a[17];
            }
        }
    }
    /** Long counted loops (no call, int index): compiled, only the JIT's strip-mined safepoint poll is left in them. */
    public static final class CountedLoop implements Callable<Object> {
        public static volatile long sink;
        public Object call() {
            while (true) {
                long acc = 0;
                for (int i = 0; i < Integer.MAX_VALUE; i++) acc += (long) i * i;
                sink = acc;
            }
        }
    }
    /** Counts forever; the stop/continue test watches the counter. */
    public static final class Counter implements Callable<Object> {
        public static volatile long count;
        public Object call() { while (true) { count++; } }
    }
}
