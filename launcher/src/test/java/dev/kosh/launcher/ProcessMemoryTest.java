package dev.kosh.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.kosh.memory.CopyResult;
import dev.kosh.memory.MemoryMetrics;
import dev.kosh.memory.Region;
import dev.kosh.memory.RegionKind;
import dev.kosh.memory.VirtualAddressSpace;
import io.micrometer.core.instrument.Gauge;

/** Every process's address space: {@code pmap}, {@code meminfo}'s VM lines, frames back on reap, per-process gauges. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProcessMemoryTest {
    @TempDir
    static Path data;
    static KernelFixture k;

    @BeforeAll
    static void boot() throws Exception {
        k = new KernelFixture(data, """
                [kernel]
                deploy.capabilities = console, log, spawn
                """);
    }

    @AfterAll
    static void halt() {
        k.close();
    }

    private static int sleeper() {
        return KernelFixture.startedPid(k.shell("run -b dev.kosh.hello --sleep 60000", true));
    }

    private static void killAndAwaitReap(int pid) throws InterruptedException {
        k.shell("kill -KILL " + pid, true);
        k.await(() -> k.kernel.processes().get(pid).isEmpty() && k.kernel.processMemory().space(pid).isEmpty(),
                Duration.ofSeconds(10), "pid " + pid + " to be reaped");
    }

    @Test
    void pmapOfARunningProcessShowsItsStackAndNoHeapUntilBrk() throws Exception {
        int pid = sleeper();
        try {
            String out = k.shell("pmap " + pid, true);
            assertTrue(out.startsWith(pid + ": dev.kosh.hello (space "), out);
            assertTrue(out.contains("Address") && out.contains("Mapping"), out);
            assertTrue(out.matches("(?s).*\\n[0-9a-f]{18} +8192 +0 +0 +0 rw-u stack \\(\\+4 kB guard\\)\\n.*"), out);
            assertFalse(out.contains("rw-u heap"), out);
            assertTrue(out.contains("total            0 kB resident, 0 kB swapped, 1 page-table frames"), out);
            assertTrue(out.matches("(?s).*\\nquota 65536 kB \\(resident \\+ tables\\), swap quota 16384 kB; heap break 0x[0-9a-f]+\\s*"), out);
            VirtualAddressSpace space = k.kernel.processMemory().space(pid).orElseThrow();
            space.brk(space.layout().heapBase() + 65536);
            assertTrue(k.shell("pmap " + pid, true).matches("(?s).*\\n[0-9a-f]{18} +64 +0 +0 +0 rw-u heap\\n.*"));
        } finally {
            killAndAwaitReap(pid);
        }
    }

    @Test
    void pmapOfInitWorksAndBadPidsFailWithOneLine() {
        assertTrue(k.shell("pmap 1", true).startsWith("1: "));
        assertOneLine(k.shell("pmap", false), "pmap: usage: pmap PID");
        assertOneLine(k.shell("pmap 1 2", false), "pmap: usage: pmap PID");
        assertOneLine(k.shell("pmap abc", false), "pmap: 'abc' is not a process id");
        assertOneLine(k.shell("pmap 0", false), "pmap: '0' is not a process id");
        assertOneLine(k.shell("pmap 99999", false), "pmap: no process 99999");
    }

    private static void assertOneLine(String printed, String expected) {
        assertEquals(expected, printed.strip());
        assertFalse(printed.strip().contains("\n"), printed);
    }

    @Test
    void aReapedProcessReturnsEveryFrameToTheAllocator() throws Exception {
        long before = k.kernel.memory().stats().freeFrames();
        int pid = sleeper();
        VirtualAddressSpace space = k.kernel.processMemory().space(pid).orElseThrow();
        // Touched from here; ProcessMemoryCallsTest goes through the system calls.
        space.brk(space.layout().heapBase() + (64L << 20));
        Region stack = space.regionAt(space.layout().stackTop() - 4096).orElseThrow();
        Region heap = space.pmap().entries().stream().map(e -> e.region()).filter(r -> r.kind() == RegionKind.HEAP).findFirst().orElseThrow();
        assertTrue(space.write(stack.start() + stack.length() - 3 * 4096, new byte[3 * 4096]) instanceof CopyResult.Copied);
        assertTrue(space.write(heap.start(), new byte[5 * 4096]) instanceof CopyResult.Copied);
        assertEquals(8, space.residentPages());
        String out = k.shell("pmap " + pid, true);
        assertTrue(out.matches("(?s).*\\n[0-9a-f]{18} +8192 +12 +0 +0 rw-u stack.*"), out);
        assertTrue(out.matches("(?s).*\\n[0-9a-f]{18} +65536 +20 +0 +0 rw-u heap\\n.*"), out);
        long taken = 8 + space.pageTableFrames();
        assertTrue(k.kernel.memory().stats().freeFrames() <= before - taken, "the pages and tables came from the allocator");

        killAndAwaitReap(pid);
        k.await(() -> k.kernel.memory().stats().freeFrames() == before, Duration.ofSeconds(10),
                "free frames back to " + before + " (now " + k.kernel.memory().stats().freeFrames() + ")");
    }

    @Test
    void meminfoShowsTheVirtualMemoryStats() {
        String out = k.shell("meminfo", true);
        assertTrue(out.contains("MemFree:"), out);
        assertTrue(out.matches("(?s).*\\nSpaces: +\\d+\\n.*"), out);
        assertTrue(out.matches("(?s).*\\nPageFaults: +\\d+ minor, \\d+ major, \\d+ cow; \\d+ signals\\n.*"), out);
        assertTrue(out.matches("(?s).*\\nSwap: +\\d+ of 4096 slots used .*"), out);
        assertTrue(out.matches("(?s).*\\nCompactions: +\\d+, \\d+ frames migrated\\n.*"), out);
    }

    @Test
    void perProcessGaugesComeAndGoWithTheProcess() throws Exception {
        var registry = k.kernel.registry();
        assertFalse(registry.find(MemoryMetrics.PAGE_FAULTS).meters().isEmpty(), "the VM meters are bound");
        int pid = sleeper();
        String tag = Integer.toString(pid);
        Gauge resident = registry.find(ProcessMemory.RESIDENT_PAGES).tag("pid", tag).gauge();
        assertTrue(resident != null && resident.getId().getTag("name").equals("dev.kosh.hello"), registry.getMeters().toString());
        assertEquals(0.0, resident.value());
        assertTrue(registry.find(ProcessMemory.SWAPPED_PAGES).tag("pid", tag).gauge() != null);
        VirtualAddressSpace space = k.kernel.processMemory().space(pid).orElseThrow();
        space.brk(space.layout().heapBase() + 1);
        assertTrue(space.write(space.layout().heapBase(), new byte[1]) instanceof CopyResult.Copied);
        assertEquals(1.0, resident.value());

        killAndAwaitReap(pid);
        assertTrue(registry.find(ProcessMemory.RESIDENT_PAGES).tag("pid", tag).meters().isEmpty());
        assertTrue(registry.find(ProcessMemory.SWAPPED_PAGES).tag("pid", tag).meters().isEmpty());
    }
}
