package dev.kosh.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The watermarks: a monitor thread woken when free frames fall below low swaps out up to high. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PressureMonitorTest {

    private static final long PAGE = 4096;
    private static final long HINT = 0x4000_0000L;

    @TempDir
    Path dir;

    @Test
    void aMonitorWokenBelowTheLowWatermarkFreesUpToTheHighOne() throws Exception {
        try (PhysicalMemory memory = PhysicalMemory.create((1L << 20) + 64 * PAGE, 10, List.of(MemoryRange.reserved(0, 1 << 20)));
             VirtualMemory vm = VirtualMemory.create(memory, VmConfig.defaults().withRandom(new Random(2)).withSwap(dir.resolve("s"), 128, null))) {
            vm.setWatermarks(8, 20);
            assertFalse(vm.awaitPressure(Duration.ofMillis(20)), "no pressure yet");
            AtomicLong reclaimed = new AtomicLong();
            Thread monitor = null;
            try (VirtualAddressSpace s = ((SpaceResult.Created) vm.newSpace()).space()) {
                s.map(HINT, 60, Protection.USER_READ_WRITE);
                int i = 0;
                while (memory.stats().freeFrames() >= 8 && i < 60) {
                    s.write(HINT + i * PAGE, new byte[] {(byte) i});
                    i++;
                }
                assertTrue(memory.stats().freeFrames() < 8, "below the low watermark before the monitor starts");
                // Started now, it finds the pressure at once.
                monitor = Thread.ofPlatform().name("test-kswapd").start(() -> {
                    try {
                        while (true) {
                            if (vm.awaitPressure(Duration.ofSeconds(10))) reclaimed.addAndGet(vm.reclaimToHighWatermark());
                        }
                    } catch (InterruptedException | IllegalStateException stop) {
                        // asked to stop
                    }
                });
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (memory.stats().freeFrames() < 20 && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertTrue(memory.stats().freeFrames() >= 20, "the monitor freed up to the high watermark: " + memory.stats().freeFrames());
                assertTrue(reclaimed.get() > 0);
                assertEquals(reclaimed.get(), vm.stats().backgroundReclaims());
                for (int j = 0; j < i; j++) {
                    byte[] b = new byte[1];
                    s.read(HINT + j * PAGE, b);
                    assertArrayEquals(new byte[] {(byte) j}, b, "page " + j + " intact after background swap-out");
                }
            } finally {
                if (monitor != null) {
                    monitor.interrupt();
                    monitor.join(5000);
                }
            }
            assertFalse(monitor.isAlive());
            assertThrows(IllegalArgumentException.class, () -> vm.setWatermarks(10, 5));
            assertThrows(IllegalArgumentException.class, () -> vm.setWatermarks(-1, 5));
        }
    }

    @Test
    void closingTheVmReleasesAWaitingMonitor() throws Exception {
        PhysicalMemory memory = PhysicalMemory.create(4L << 20, 10, List.of());
        VirtualMemory vm = VirtualMemory.create(memory, VmConfig.defaults());
        vm.setWatermarks(1, 2);
        RuntimeException[] result = {null};
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                vm.awaitPressure(Duration.ofSeconds(20));
            } catch (IllegalStateException closed) {
                result[0] = closed;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread.sleep(50);
        vm.close();
        waiter.join(5000);
        assertFalse(waiter.isAlive());
        assertTrue(result[0] != null, "the waiting monitor was told the VM closed");
        memory.close();
    }
}
