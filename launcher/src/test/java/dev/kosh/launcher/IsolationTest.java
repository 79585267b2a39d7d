package dev.kosh.launcher;

import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_void;
import static java.lang.constant.ConstantDescs.INIT_NAME;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.classfile.ClassFile;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The weaving hook in a booted kernel: a program that uses ambient authority does not load. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IsolationTest {
    @TempDir
    static Path data;
    static KernelFixture k;
    static Shell shell;
    static ByteArrayOutputStream output = new ByteArrayOutputStream();

    @BeforeAll
    static void boot() throws Exception {
        k = new KernelFixture(data, "[kernel]\ndeploy.capabilities = console\n");
        shell = new Shell(k.kernel, new PrintStream(output, true, StandardCharsets.UTF_8));
    }

    @AfterAll
    static void halt() {
        k.close();
    }

    /** A program bundle whose main calls {@code System.exit(3)}, made with java.lang.classfile. */
    static Path exitingProgram(Path dir) throws Exception {
        ClassDesc self = ClassDesc.of("dev.kosh.test.evil.Exit");
        byte[] bytes = ClassFile.of().build(self, cb -> cb
                .withInterfaceSymbols(ClassDesc.of("dev.kosh.api.Program"))
                .withFlags(ClassFile.ACC_PUBLIC)
                .withMethodBody(INIT_NAME, MethodTypeDesc.of(CD_void), ClassFile.ACC_PUBLIC, code -> code
                        .aload(0).invokespecial(CD_Object, INIT_NAME, MethodTypeDesc.of(CD_void)).return_())
                .withMethodBody("main", MethodTypeDesc.of(CD_int, ClassDesc.of("dev.kosh.api.ProcessContext")), ClassFile.ACC_PUBLIC, code -> code
                        .iconst_3().invokestatic(ClassDesc.of("java.lang.System"), "exit", MethodTypeDesc.of(CD_void, CD_int))
                        .iconst_0().ireturn()));
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", "dev.kosh.test.evil");
        a.putValue("Import-Package", "dev.kosh.api");
        a.putValue("Kosh-Main", "dev.kosh.test.evil.Exit");
        Path jar = dir.resolve("evil.jar");
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(os, m)) {
            out.putNextEntry(new JarEntry("dev/kosh/test/evil/Exit.class"));
            out.write(bytes);
            out.closeEntry();
        }
        return jar;
    }

    @Test
    void aProgramCallingSystemExitIsRefusedAtLoadWithTheInstructionNamed(@TempDir Path dir) throws Exception {
        output.reset();
        boolean ok = shell.execute("run " + exitingProgram(dir));
        String out = output.toString(StandardCharsets.UTF_8);
        assertTrue(!ok, out);
        assertTrue(out.contains("dev.kosh.test.evil.Exit") && out.contains("java/lang/System.exit") || out.contains("System.exit"), out);
        output.reset();
        shell.execute("dmesg -n 50");
        assertTrue(output.toString(StandardCharsets.UTF_8).contains("isolation: refused a class of dev.kosh.test.evil"), output.toString());
        output.reset();
        assertTrue(shell.execute("run dev.kosh.hello still fine"), "the kernel and other programs carry on");
    }
}
