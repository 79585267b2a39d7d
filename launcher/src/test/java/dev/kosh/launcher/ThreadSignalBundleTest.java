package dev.kosh.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thread signals by handle in woven code, in a booted kernel: a program's worker that spins
 * without kernel calls and catches Throwable is stopped, continued and killed by its thread
 * capability at the woven back-edge; the kill cannot be swallowed; the process goes on and exits 0.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ThreadSignalBundleTest {
    static final String PKG = "dev.kosh.threadsignals";
    @TempDir
    static Path data;
    static KernelFixture k;

    @BeforeAll
    static void boot() throws Exception {
        k = new KernelFixture(data, "[kernel]\ndeploy.capabilities = console\n");
    }

    @AfterAll
    static void halt() {
        if (k != null) k.close();
    }

    /** The program's classes (Stubborn and its lambda) as a bundle that declares the console capability. */
    static Path program(Path jar) throws Exception {
        Path classes = Path.of(dev.kosh.threadsignals.Stubborn.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path pkgDir = classes.resolve(PKG.replace('.', '/'));
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", PKG + ".stubborn");
        a.putValue("Import-Package", "dev.kosh.api");
        a.putValue("Kosh-Main", PKG + ".Stubborn");
        a.putValue("Kosh-Capabilities", "console");
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(os, m);
             Stream<Path> files = Files.list(pkgDir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("Stubborn")).toList()) {
                out.putNextEntry(new JarEntry(PKG.replace('.', '/') + "/" + f.getFileName()));
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
        }
        return jar;
    }

    @Test
    void aSpinningWovenThreadIsStoppedContinuedAndKilledAloneByItsHandle(@TempDir Path dir) throws Exception {
        Path jar = program(dir.resolve("stubborn.jar"));
        int pid = KernelFixture.startedPid(k.shell("run -b " + jar, true));
        var p = k.kernel.processes().get(pid).orElseThrow();
        var status = k.kernel.processes().awaitExit(p, java.time.Duration.ofSeconds(20)).orThrow();
        k.kernel.flushConsole();
        String console = k.console();
        System.out.println(console.lines().filter(l -> l.contains("stubborn:")).toList());
        assertEquals(0, status.code(), status.reason() + "\n" + console);
        assertTrue(console.contains("stubborn: stopped Blocked(stopped) frozen true"), console);
        assertTrue(console.contains("stubborn: continued runs true"), console);
        assertTrue(console.contains("joined Ok[value=null] in "), console);
        assertTrue(console.contains(", caught false, status Err[errno=DEAD_PEER"), console);
    }
}
