package dev.kosh.launcher;

import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_void;
import static java.lang.constant.ConstantDescs.INIT_NAME;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.kosh.api.ExitStatus;
import dev.kosh.api.Signal;
import dev.kosh.kernel.process.KoshProcess;

/** The weaving hook in a booted kernel: a program that uses ambient authority does not load. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IsolationTest {
    @TempDir
    static Path data;
    static KernelFixture k;

    @BeforeAll
    static void boot() throws Exception {
        k = new KernelFixture(data, "[kernel]\ndeploy.capabilities = console\n");
    }

    @AfterAll
    static void halt() {
        k.close();
    }

    /** A program bundle whose main calls {@code System.exit(3)}, made with java.lang.classfile. */
    static Path exitingProgram(Path dir) throws Exception {
        return program(dir, "evil", "Exit", code -> code
                .iconst_3().invokestatic(ClassDesc.of("java.lang.System"), "exit", MethodTypeDesc.of(CD_void, CD_int))
                .iconst_0().ireturn());
    }

    /** A program whose main spins forever without a single call: {@code while (true) {}}. */
    static Path spinningProgram(Path dir) throws Exception {
        return program(dir, "spin", "Spin", code -> {
            var top = code.newBoundLabel();
            code.goto_(top);
        });
    }

    static Path program(Path dir, String pkg, String cls, Consumer<CodeBuilder> main) throws Exception {
        ClassDesc self = ClassDesc.of("dev.kosh.test." + pkg + "." + cls);
        byte[] bytes = ClassFile.of().build(self, cb -> cb
                .withInterfaceSymbols(ClassDesc.of("dev.kosh.api.Program"))
                .withFlags(ClassFile.ACC_PUBLIC)
                .withMethodBody(INIT_NAME, MethodTypeDesc.of(CD_void), ClassFile.ACC_PUBLIC, code -> code
                        .aload(0).invokespecial(CD_Object, INIT_NAME, MethodTypeDesc.of(CD_void)).return_())
                .withMethodBody("main", MethodTypeDesc.of(CD_int, ClassDesc.of("dev.kosh.api.ProcessContext")), ClassFile.ACC_PUBLIC, main));
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", "dev.kosh.test." + pkg);
        a.putValue("Import-Package", "dev.kosh.api");
        a.putValue("Kosh-Main", "dev.kosh.test." + pkg + "." + cls);
        Path jar = dir.resolve(pkg + ".jar");
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(os, m)) {
            out.putNextEntry(new JarEntry("dev/kosh/test/" + pkg + "/" + cls + ".class"));
            out.write(bytes);
            out.closeEntry();
        }
        return jar;
    }

    @Test
    void killEndsAProgramSpinningWithoutKernelCallsWithinMilliseconds(@TempDir Path dir) throws Exception {
        int pid = KernelFixture.startedPid(k.shell("run -b " + spinningProgram(dir), true));
        KoshProcess p = k.kernel.processes().get(pid).orElseThrow();
        Thread.sleep(100); // let it spin
        long t0 = System.nanoTime();
        k.kernel.processes().signal(pid, Signal.KILL, "test");
        ExitStatus status = k.kernel.processes().awaitExit(p, Duration.ofSeconds(5)).orThrow();
        long micros = (System.nanoTime() - t0) / 1000;
        System.out.println("kill of a spinning woven program: " + micros + " µs");
        assertTrue(status.code() == 137, status.reason());
        assertTrue(p.abandonedThreads().isEmpty(), "the spinning thread unwound, it was not abandoned: " + p.abandonedThreads());
        assertTrue(micros < 100_000, "killed in " + micros + " µs (target 10 ms; the assertion leaves room for a loaded host)");
    }

    @Test
    void aProgramCallingSystemExitIsRefusedAtLoadWithTheInstructionNamed(@TempDir Path dir) throws Exception {
        String out = k.shell("run " + exitingProgram(dir), false);
        assertTrue(out.contains("dev.kosh.test.evil.Exit") && out.contains("java/lang/System.exit") || out.contains("System.exit"), out);
        String journal = k.shell("dmesg -n 50", true);
        assertTrue(journal.contains("isolation: refused a class of dev.kosh.test.evil"), journal);
        k.shell("run dev.kosh.hello still fine", true); // the kernel and other programs carry on
    }
}
