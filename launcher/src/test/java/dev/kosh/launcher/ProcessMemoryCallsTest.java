package dev.kosh.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.testbombs.MemoryHog;
import dev.kosh.testbombs.MemorySyscalls;

/**
 * The memory system calls as a program sees them through {@code ctx.memory()}, in a booted kernel
 * with a 16 MiB arena, and the out-of-memory policy: when frames and swap are gone, the largest
 * process is killed with the reason in the journal and the fault that needed memory succeeds.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ProcessMemoryCallsTest {
    @TempDir
    static Path data;
    @TempDir
    static Path jars;
    static KernelFixture k;

    @BeforeAll
    static void boot() throws Exception {
        k = new KernelFixture(data, """
                [kernel]
                memory = 16M
                deploy.capabilities = console, log
                memory.quota = 64M
                swap.quota = 64M
                """);
    }

    @AfterAll
    static void halt() {
        if (k != null) k.close();
    }

    /** Packs one test program class into a bundle of its own and starts it with {@code run -b}. */
    static KoshProcess start(Class<?> program, String args) throws Exception {
        String name = program.getSimpleName().toLowerCase(java.util.Locale.ROOT);
        Path jar = jars.resolve(name + ".jar");
        if (!Files.exists(jar)) {
            Manifest m = new Manifest();
            Attributes a = m.getMainAttributes();
            a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
            a.putValue("Bundle-ManifestVersion", "2");
            a.putValue("Bundle-SymbolicName", "dev.kosh.testbombs." + name);
            a.putValue("Import-Package", "dev.kosh.api");
            a.putValue("Kosh-Main", program.getName());
            a.putValue("Kosh-Capabilities", "log");
            try (OutputStream os = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(os, m)) {
                String path = program.getName().replace('.', '/') + ".class";
                out.putNextEntry(new JarEntry(path));
                try (InputStream in = program.getClassLoader().getResourceAsStream(path)) {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
        int pid = KernelFixture.startedPid(k.shell("run -b " + jar + (args.isEmpty() ? "" : " " + args), true));
        return k.kernel.processes().get(pid).orElseThrow();
    }

    static String journal() {
        return k.shell("dmesg -n 400", true);
    }

    private static void awaitLine(String fragment) throws InterruptedException {
        k.await(() -> journal().contains(fragment), Duration.ofSeconds(60), "'" + fragment + "' in the journal");
    }

    private static void assertLine(String log, String regex) {
        assertTrue(Pattern.compile(regex).matcher(log).find(), regex + " in\n" + log);
    }

    @Test
    void aProgramMapsWritesProtectsUnmapsGrowsItsHeapAndViewsItsMemory() throws Exception {
        start(MemorySyscalls.class, "");
        awaitLine("ms: done");
        String log = journal();
        assertLine(log, "ms: map ok \\d+");
        assertLine(log, "ms: write ok 5");
        assertLine(log, "ms: read-bytes hello");
        assertLine(log, "ms: protect ok null");
        assertLine(log, "ms: write-readonly err FAULT SIGSEGV \\(protection\\) on write at 0x[0-9a-f]+, after 0 bytes");
        assertLine(log, "ms: exec-page ok null");
        assertLine(log, "ms: unmap ok null");
        assertLine(log, "ms: read-unmapped err FAULT SIGSEGV \\(unmapped\\) on read");
        assertLine(log, "ms: map-zero err INVALID_ARGUMENT 0 pages");
        assertLine(log, "ms: map-null err INVALID_ARGUMENT protection is required");
        assertLine(log, "ms: unmap-unaligned err INVALID_ARGUMENT address 0x[0-9a-f]+ is not a multiple of 4096");
        assertLine(log, "ms: protect-hole err INVALID_ARGUMENT page 0x[0-9a-f]+ in .* is not mapped");
        assertLine(log, "ms: read-bounds err INVALID_ARGUMENT offset 3 and length 5 do not fit a buffer of 5 bytes");
        Matcher b = Pattern.compile("ms: brk-query ok (\\d+)").matcher(log);
        assertTrue(b.find(), log);
        long base = Long.parseLong(b.group(1));
        assertLine(log, "ms: brk-grow ok " + (base + 10_000));
        assertLine(log, "ms: brk-write ok 1000");
        assertLine(log, "ms: brk-below err INVALID_ARGUMENT break 0x[0-9a-f]+ is below the heap base");
        assertLine(log, "ms: view ok ");
        assertLine(log, "ms: view-wrote 42 size 16");
        assertLine(log, "ms: view-past-end INVALID_ARGUMENT");
        assertLine(log, "ms: view-after-unmap CLOSED open false");
        assertLine(log, "ms: view-across-pages err INVALID_ARGUMENT .*inside one page");
        assertLine(log, "ms: usage ok MemoryUsage\\[residentPages=\\d+, swappedPages=0, tablePages=\\d+, frameQuota=16384, swapQuota=16384, heapBreak=" + (base + 10_000) + "\\]");
    }

    @Test
    void whenFramesAndSwapAreGoneTheLargestProcessIsKilledAndTheOtherGoesOn() throws Exception {
        long free = k.kernel.memory().stats().freeFrames();
        long slots = k.kernel.processMemory().stats().swapSlots() - k.kernel.processMemory().stats().swapSlotsUsed();
        // The hog takes nearly everything (frames, then swap); the second process then needs more than is left.
        long hogPages = free + slots - 400;
        KoshProcess hog = start(MemoryHog.class, Long.toString(hogPages));
        awaitLine("hog: wrote ");
        assertLine(journal(), "hog: wrote " + hogPages + " pages, then none");
        KoshProcess second = start(MemoryHog.class, "1000");
        k.await(() -> journal().contains("hog: wrote 1000 pages"), Duration.ofSeconds(60), "the second hog to finish");
        String log = journal();
        assertLine(log, "hog: wrote 1000 pages, then none");
        assertLine(log, "out of memory \\(no free frame, no swap slot\\) on a fault of pid " + second.pid()
                + " \\(dev.kosh.testbombs.memoryhog\\): killing pid " + hog.pid() + " \\(dev.kosh.testbombs.memoryhog\\), \\d+ resident \\+ \\d+ swapped pages, the largest of \\d+ address spaces");
        k.await(() -> k.kernel.processes().get(hog.pid()).isEmpty(), Duration.ofSeconds(20), "the hog to be reaped");
        assertFalse(second.finished(), "the other process goes on");
        assertTrue(k.shell("meminfo", true).contains("OutOfMemory:   1 processes killed"));
        k.shell("kill -KILL " + second.pid(), true);
        k.await(() -> k.kernel.processes().get(second.pid()).isEmpty(), Duration.ofSeconds(20), "the second hog to be reaped");
        assertEquals(0, k.kernel.processMemory().stats().swapSlotsUsed(), "every swap slot is back");
    }
}
