package dev.kosh.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kosh.hal.HalResult;
import dev.kosh.hal.linux.IoUring;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Swap through each backend: pages pushed out under pressure come back byte for byte. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SwapBackendTest {

    private static final long PAGE = 4096;
    private static final long HINT = 0x4000_0000L;

    @TempDir
    Path dir;

    /** Whether this host can set up a ring (the HAL's probe, not a guess). */
    private static boolean hostHasIoUring() {
        if (IoUring.setup(2) instanceof HalResult.Ok<IoUring>(IoUring ring)) {
            ring.close();
            return true;
        }
        return false;
    }

    @ParameterizedTest
    @EnumSource(SwapBackend.class)
    void pagesSwappedOutUnderPressureComeBackIntact(SwapBackend backend) throws IOException {
        Path file = dir.resolve("swap-" + backend);
        // 32 usable frames for 96 pages: most of them must live in swap.
        try (PhysicalMemory memory = PhysicalMemory.create((1L << 20) + 32 * PAGE, 10, List.of(MemoryRange.reserved(0, 1 << 20)))) {
            VmConfig config = VmConfig.defaults().withRandom(new Random(3)).withSwap(file, 256, null).withSwapBackend(backend);
            if (backend == SwapBackend.IO_URING && !hostHasIoUring()) {
                IOException e = assertThrows(IOException.class, () -> VirtualMemory.create(memory, config));
                assertTrue(e.getMessage().contains("io_uring"), e.getMessage());
                return;
            }
            try (VirtualMemory vm = VirtualMemory.create(memory, config)) {
                boolean ring = backend == SwapBackend.IO_URING || (backend == SwapBackend.AUTO && hostHasIoUring());
                assertTrue(vm.swapDevice().startsWith(ring ? "io_uring on " : "FileChannel on "), vm.swapDevice());
                try (VirtualAddressSpace s = ((SpaceResult.Created) vm.newSpace()).space()) {
                    s.map(HINT, 96, Protection.USER_READ_WRITE);
                    for (int i = 0; i < 96; i++) {
                        assertInstanceOf(CopyResult.Copied.class, s.write(HINT + i * PAGE, page(i)), "page " + i);
                    }
                    assertTrue(s.swappedPages() > 50, "most pages are in swap: " + s.swappedPages());
                    for (int i = 0; i < 96; i++) {
                        byte[] back = new byte[(int) PAGE];
                        assertInstanceOf(CopyResult.Copied.class, s.read(HINT + i * PAGE, back));
                        assertArrayEquals(page(i), back, "page " + i);
                    }
                    assertTrue(vm.stats().majorFaults() > 50);
                }
                assertEquals(0, vm.stats().swapSlotsUsed());
            }
            assertFalse(Files.exists(file), "the swap file is deleted when the VM closes");
        }
    }

    @Test
    void aSwapFileThatCannotBeCreatedFailsTheVmWithTheReason() throws IOException {
        try (PhysicalMemory memory = PhysicalMemory.create(4L << 20, 10, List.of())) {
            Path nowhere = dir.resolve("no/such/dir/swap");
            for (SwapBackend b : SwapBackend.values()) {
                VmConfig config = VmConfig.defaults().withSwap(nowhere, 16, null).withSwapBackend(b);
                assertThrows(IOException.class, () -> VirtualMemory.create(memory, config), b.name());
            }
            assertThrows(NullPointerException.class, () -> VmConfig.defaults().withSwapBackend(null));
        }
    }

    private static byte[] page(int seed) {
        byte[] b = new byte[(int) PAGE];
        new Random(seed).nextBytes(b);
        return b;
    }
}
