package dev.kosh.kernel.isolation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.classfile.ClassFile;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.DirectMethodHandleDesc;
import java.lang.constant.MethodHandleDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.reflect.AccessFlag;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The escape corpus, table-driven: one class per way out of the sandbox, each refused at load with
 * the expected rule, or contained at run time (a guard's {@link SecurityException}, or a kill that
 * the code cannot survive). Prints the table vector → outcome.
 */
@Timeout(60)
class EscapeCorpusTest {
    private static final String E = Runs.CORPUS + "Escapes$";
    private static final String SYNTH = Runs.CORPUS + "Synth";

    enum Expect { REFUSED_AT_LOAD, REFUSED_AT_RUN, REWRITTEN, KILLED }

    record Vector(String name, String className, Expect expect, String detail) {}

    static final List<Vector> VECTORS = List.of(
            load("java.io.File", "FileExists", "deny java.io.File *"),
            load("FileInputStream", "FileStream", "deny java.io.FileInputStream"),
            load("RandomAccessFile", "RandomAccess", "deny java.io.RandomAccessFile"),
            load("java.nio.file.Files", "NioFiles", "deny java.nio.file.*"),
            load("FileChannel.open", "FileChannelOpen", "deny java.nio.channels.FileChannel open"),
            load("PrintWriter(fileName)", "PrintWriterByName", "deny java.io.PrintWriter <init>"),
            load("Socket", "SocketConnect", "deny java.net.Socket *"),
            load("ServerSocket", "ServerSocketBind", "deny java.net.ServerSocket"),
            load("DatagramSocket", "DatagramSend", "deny java.net.DatagramSocket"),
            load("URL.openStream", "UrlOpenStream", "deny java.net.URL openStream"),
            load("java.net.http", "HttpClientSend", "deny java.net.http.*"),
            load("SocketChannel", "SocketChannelOpen", "deny java.nio.channels.SocketChannel"),
            load("Runtime.exec", "RuntimeExec", "deny java.lang.Runtime exec"),
            load("ProcessBuilder", "ProcessBuilderStart", "deny java.lang.ProcessBuilder"),
            load("System.exit", "SystemExit", "deny java.lang.System exit"),
            load("Runtime.halt", "RuntimeHalt", "deny java.lang.Runtime halt"),
            load("shutdown hook", "ShutdownHook", "deny java.lang.Runtime addShutdownHook"),
            load("System.setProperty", "SetProperty", "deny java.lang.System setProperty"),
            load("System.setOut", "SetOut", "deny java.lang.System setOut"),
            load("System.out", "SystemOutPrint", "deny java.lang.System out"),
            load("System.getenv", "Getenv", "deny java.lang.System getenv"),
            load("System.loadLibrary", "LoadLibrary", "deny java.lang.System load*"),
            load("new Thread", "NewThread", "deny java.lang.Thread <init>"),
            load("virtual thread", "VirtualThread", "deny java.lang.Thread ofVirtual"),
            load("executor", "FixedThreadPool", "deny java.util.concurrent.Executors"),
            load("ForkJoinPool.commonPool", "CommonPool", "deny java.util.concurrent.ForkJoinPool"),
            load("CompletableFuture.supplyAsync", "SupplyAsync", "deny java.util.concurrent.CompletableFuture *Async(*"),
            load("parallel stream", "ParallelStream", "deny java.util.Collection parallelStream"),
            load("Timer", "TimerThread", "deny java.util.Timer"),
            load("Cleaner.create", "CleanerThread", "deny java.lang.ref.Cleaner create"),
            load("thread started by a library", "ThreadLibrary", "deny java.lang.Thread <init>"),
            load("sun.misc.Unsafe", "UnsafeAccess", "deny sun.*"),
            new Vector("jdk.internal (synthetic)", SYNTH + "$JdkInternal", Expect.REFUSED_AT_LOAD, "deny jdk.internal.*"),
            load("java.lang.foreign", "ForeignArena", "deny java.lang.foreign.*"),
            load("java.lang.instrument", "Instrument", "deny java.lang.instrument.*"),
            load("ManagementFactory", "ManagementBean", "deny java.lang.management.*"),
            load("JMX MBeanServer", "JmxServer", "deny javax.management.*"),
            load("ClassLoader subclass", "OwnClassLoader", "extends java.lang.ClassLoader"),
            load("Lookup.defineClass", "LookupDefineClass", "deny java.lang.invoke.MethodHandles$Lookup defineClass"),
            load("system class loader", "SystemClassLoader", "deny java.lang.ClassLoader getSystemClassLoader"),
            load("setAccessible", "SetAccessible", "deny java.lang.reflect.AccessibleObject setAccessible"),
            load("privateLookupIn", "PrivateLookup", "deny java.lang.invoke.MethodHandles privateLookupIn"),
            load("ObjectInputStream gadget", "DeserializeGadget", "deny java.io.ObjectInputStream"),
            load("finalizer", "Finalizer", ClassVerifier.FINALIZER),
            load("lambda System::exit", "LambdaToExit", "deny java.lang.System exit"),
            load("method ref Class::forName", "MethodRefToForName", ClassVerifier.ENTRY_POINT_HANDLE),
            load("catch (Killed)", "CatchKilled", "deny dev.kosh.sandbox.*"),
            load("calls the sandbox runtime", "CallSandboxDirectly", "deny dev.kosh.sandbox.*"),
            new Vector("ldc MethodHandle System.exit (synthetic)", SYNTH + "$LdcExit", Expect.REFUSED_AT_LOAD, "deny java.lang.System exit"),
            new Vector("self-covering handler (synthetic)", SYNTH + "$SelfHandler", Expect.REFUSED_AT_LOAD, ClassVerifier.SELF_HANDLER),
            run("reflection via run-time strings", "ReflectiveExit", "Method.invoke of java.lang.System.exit(I)V refused: deny java.lang.System exit"),
            run("Class.forName of a built string", "ReflectiveForName", "Class.forName(\"java.lang.ProcessBuilder\") refused"),
            run("method handle to Runtime.exit", "HandleToRuntimeExit", "Lookup.findVirtual of java.lang.Runtime.exit(I)V refused"),
            run("unreflect System.exit", "UnreflectExit", "Lookup.unreflect of java.lang.System.exit(I)V refused"),
            run("Constructor.newInstance Thread", "ReflectiveThread", "Constructor.newInstance of java.lang.Thread.<init>(Ljava/lang/Runnable;)V refused"),
            run("setAccessible via Method.invoke", "ReflectiveSetAccessible", "setAccessible(Z)V refused"),
            run("Field.get System.out", "ReflectiveStdout", "Field.get of java.lang.System.out"),
            run("loadClass of the sandbox", "LoadSandboxClass", "ClassLoader.loadClass(\"dev.kosh.sandbox.Checkpoint\") refused"),
            run("Method.invoke via Method.invoke", "InvokeViaInvoke", "may not be reached reflectively"),
            run("app calling a refused library", "ThreadLibraryUser", "deny java.lang.Thread <init>"),
            load("ServiceLoader.loadInstalled", "LoadInstalled", "deny java.util.ServiceLoader loadInstalled"),
            load("ServiceLoader.load(ModuleLayer, ...)", "LoadFromLayer", "deny java.util.ServiceLoader load(Ljava/lang/ModuleLayer;*"),
            load("method ref getContextClassLoader", "ContextLoaderMethodRef", ClassVerifier.REDIRECTED_HANDLE),
            load("method ref printStackTrace", "PrintStackTraceMethodRef", ClassVerifier.REDIRECTED_HANDLE),
            run("ServiceLoader.load, another loader", "ServiceLoaderForeignLoader", "only the process's own class loader"),
            run("ServiceLoader.load, null loader", "ServiceLoaderNullLoader", "only the process's own class loader"),
            run("getContextClassLoader reflectively", "ReflectiveContextLoader", "a method the sandbox replaces may not be reached reflectively"),
            rewritten("ServiceLoader.load via context loader", "ServiceLoaderViaContext"),
            rewritten("Thread.getContextClassLoader", "ContextClassLoader"),
            rewritten("Throwable.printStackTrace()", "PrintStackTrace"),
            rewritten("Thread.dumpStack()", "DumpStack"),
            kill("while (true) {}", "Spin"),
            kill("catch (Throwable) around a kill", "CatchThrowableSpin"),
            kill("spin in finally", "FinallySpin"),
            kill("spin holding a monitor", "SynchronizedSpin"),
            kill("static initializer that spins", "StaticInitSpin"),
            kill("binary recursion", "BinaryRecursion"),
            kill("deep recursion (3000 frames)", "DeepRecursion"));

    private static Vector load(String name, String cls, String rule) {
        return new Vector(name, E + cls, Expect.REFUSED_AT_LOAD, rule);
    }

    private static Vector run(String name, String cls, String message) {
        return new Vector(name, E + cls, Expect.REFUSED_AT_RUN, message);
    }

    private static Vector rewritten(String name, String cls) {
        return new Vector(name, E + cls, Expect.REWRITTEN, "runs with the process's own authority");
    }

    private static Vector kill(String name, String cls) {
        return new Vector(name, E + cls, Expect.KILLED, "Killed");
    }

    @Test
    void everyVectorIsRefusedAtLoadOrContainedAtRunTime() throws Exception {
        SandboxFixture.hooks();
        Map<String, byte[]> synth = synthetic();
        ClassWeaver weaver = SandboxFixture.weaver();
        List<String> table = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (Vector v : VECTORS) {
            String outcome;
            try {
                outcome = switch (v.expect()) {
                    case REFUSED_AT_LOAD -> refusedAtLoad(weaver, v, synth);
                    case REFUSED_AT_RUN -> refusedAtRun(v, synth);
                    case REWRITTEN -> rewritten(v, synth);
                    case KILLED -> killed(v, synth);
                };
            } catch (AssertionError | Exception e) {
                failures.add(v.name() + ": " + e.getMessage());
                outcome = "FAILED: " + e.getMessage();
            }
            table.add(String.format("| %-40s | %-15s | %s |", v.name(), v.expect(), outcome.replace('\n', ' ')));
        }
        System.out.println("| vector                                   | expected        | outcome |");
        System.out.println("|------------------------------------------|-----------------|---------|");
        table.forEach(System.out::println);
        assertTrue(VECTORS.size() >= 30);
        assertEquals(List.of(), failures);
    }

    private static String refusedAtLoad(ClassWeaver weaver, Vector v, Map<String, byte[]> synth) {
        byte[] bytes = synth.containsKey(v.className()) ? synth.get(v.className()) : WovenLoader.read(EscapeCorpusTest.class.getClassLoader(), v.className());
        ClassLoader cl = EscapeCorpusTest.class.getClassLoader();
        WeaveResult r = weaver.weave(v.className(), bytes, cl, "escape-corpus");
        if (!(r instanceof WeaveResult.Refused refused)) throw new AssertionError("not refused: " + r);
        Violation hit = refused.verdict().violations().stream().filter(x -> x.rule().contains(v.detail())).findFirst()
                .orElseThrow(() -> new AssertionError("no violation with rule '" + v.detail() + "' in " + refused.verdict().message()));
        return "refused at load: " + hit.method() + " @" + hit.offset() + " " + hit.instruction() + " -- " + hit.rule();
    }

    private static String refusedAtRun(Vector v, Map<String, byte[]> synth) throws Exception {
        WovenLoader loader = new WovenLoader(List.of(Runs.CORPUS), true, synth);
        Callable<Object> task = Runs.instance(loader, v.className());
        try {
            Object result = task.call();
            throw new AssertionError("ran to completion: " + result);
        } catch (SecurityException | LinkageError e) {
            if (!String.valueOf(e.getMessage()).contains(v.detail())) throw new AssertionError("unexpected message: " + e);
            return "contained at run time: " + e.getClass().getSimpleName() + ": " + firstLine(e.getMessage());
        }
    }

    /**
     * Runs a vector whose JDK call the weaver replaced, in a thread whose context class loader sees a
     * provider of {@code Escapes.Spi} that the process's own loader does not, with the kernel's
     * standard error captured; checks the vector got only what its own bundle may have.
     */
    private static String rewritten(Vector v, Map<String, byte[]> synth) throws Exception {
        WovenLoader loader = new WovenLoader(List.of(Runs.CORPUS), true, synth);
        Callable<Object> task = Runs.instance(loader, v.className());
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("kosh-tccl");
        java.nio.file.Path services = dir.resolve("META-INF/services/" + E + "Spi");
        java.nio.file.Files.createDirectories(services.getParent());
        java.nio.file.Files.writeString(services, E + "TcclProvider\n");
        Thread current = Thread.currentThread();
        ClassLoader saved = current.getContextClassLoader();
        java.io.PrintStream savedErr = System.err;
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int traces = SandboxFixture.hooks().stackTraces.size();
        try (java.net.URLClassLoader foreign = new java.net.URLClassLoader(new java.net.URL[] {dir.toUri().toURL()}, EscapeCorpusTest.class.getClassLoader())) {
            // the vector is real: unwoven, the same lookup finds the foreign provider
            if (v.className().endsWith("ServiceLoaderViaContext")) {
                current.setContextClassLoader(foreign);
                Object unwoven = java.util.ServiceLoader.load(Class.forName(E + "Spi"), foreign).stream().map(p -> p.type().getName()).toList();
                if (!unwoven.toString().contains("TcclProvider")) throw new AssertionError("the foreign provider is not visible: " + unwoven);
            }
            current.setContextClassLoader(foreign);
            System.setErr(new java.io.PrintStream(err, true));
            Object result = task.call();
            System.setErr(savedErr);
            if (err.size() > 0) throw new AssertionError("wrote to the kernel's standard error: " + err);
            return switch (v.className().substring(E.length())) {
                case "ServiceLoaderViaContext" -> {
                    if (!result.equals(List.of())) throw new AssertionError("found providers through the context loader: " + result);
                    yield "rewritten: load(service, own loader) found no provider (unwoven, the context loader finds TcclProvider)";
                }
                case "ContextClassLoader" -> {
                    if (result != loader) throw new AssertionError("context loader " + result + ", not the process's own " + loader);
                    yield "rewritten: returns the process's own loader, not the thread's (" + foreign.getClass().getSimpleName() + ")";
                }
                case "PrintStackTrace", "DumpStack" -> {
                    List<String> got = SandboxFixture.hooks().stackTraces;
                    if (got.size() != traces + 1) throw new AssertionError("the kernel got " + (got.size() - traces) + " traces");
                    String trace = got.getLast();
                    String expected = v.className().endsWith("DumpStack") ? "java.lang.Exception: Stack trace" : "trace of the escape corpus";
                    if (!trace.contains(expected) || !trace.contains("\tat ")) throw new AssertionError("unexpected trace: " + trace);
                    yield "rewritten: trace (" + trace.lines().count() + " lines) to the kernel's hook, nothing on stderr";
                }
                default -> throw new AssertionError("no check for " + v.className());
            };
        } finally {
            System.setErr(savedErr);
            current.setContextClassLoader(saved);
        }
    }

    private static String killed(Vector v, Map<String, byte[]> synth) throws Exception {
        WovenLoader loader = new WovenLoader(List.of(Runs.CORPUS), true, synth);
        Callable<Object> task = Runs.instance(loader, v.className());
        Runs.Kill k = Runs.runAndKill(task, 30);
        if (!k.killed()) throw new AssertionError("not killed: " + k.other());
        if (v.className().endsWith("SynchronizedSpin")) {
            Object lock = loader.loadClass(v.className()).getField("LOCK").get(null);
            Thread probe = new Thread(() -> { synchronized (lock) { } });
            probe.start();
            probe.join(1000);
            if (probe.isAlive()) throw new AssertionError("monitor still held after the kill");
        }
        return String.format("killed in %.2f ms", k.latencyMillis());
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl) + " ...";
    }

    /** Classes javac will not write: they are built with the class-file API. */
    static Map<String, byte[]> synthetic() {
        Map<String, byte[]> out = new HashMap<>();
        ClassDesc callable = ClassDesc.of("java.util.concurrent.Callable");
        out.put(SYNTH + "$JdkInternal", callableClass(SYNTH + "$JdkInternal", cb -> {
            cb.invokestatic(ClassDesc.of("jdk.internal.misc.Unsafe"), "getUnsafe", MethodTypeDesc.of(ClassDesc.of("jdk.internal.misc.Unsafe")));
            cb.areturn();
        }, callable));
        out.put(SYNTH + "$LdcExit", callableClass(SYNTH + "$LdcExit", cb -> {
            cb.ldc(MethodHandleDesc.ofMethod(DirectMethodHandleDesc.Kind.STATIC, ClassDesc.of("java.lang.System"), "exit",
                    MethodTypeDesc.of(ConstantDescs.CD_void, ConstantDescs.CD_int)));
            cb.areturn();
        }, callable));
        out.put(SYNTH + "$SelfHandler", callableClass(SYNTH + "$SelfHandler", cb -> {
            var start = cb.newLabel();
            var handler = cb.newLabel();
            var end = cb.newLabel();
            cb.labelBinding(start);
            cb.aconst_null();
            cb.athrow();
            cb.labelBinding(handler);
            cb.astore(1);
            cb.aconst_null();
            cb.athrow();
            cb.labelBinding(end);
            cb.exceptionCatch(start, end, handler, ConstantDescs.CD_Throwable);
        }, callable));
        return out;
    }

    private static byte[] callableClass(String name, java.util.function.Consumer<java.lang.classfile.CodeBuilder> body, ClassDesc callable) {
        return ClassFile.of().build(ClassDesc.of(name), clb -> {
            clb.withFlags(AccessFlag.PUBLIC, AccessFlag.FINAL);
            clb.withInterfaceSymbols(callable);
            clb.withMethodBody("<init>", MethodTypeDesc.of(ConstantDescs.CD_void), ClassFile.ACC_PUBLIC, cb -> {
                cb.aload(0);
                cb.invokespecial(ConstantDescs.CD_Object, "<init>", MethodTypeDesc.of(ConstantDescs.CD_void));
                cb.return_();
            });
            clb.withMethodBody("call", MethodTypeDesc.of(ConstantDescs.CD_Object), ClassFile.ACC_PUBLIC, body);
        });
    }
}
