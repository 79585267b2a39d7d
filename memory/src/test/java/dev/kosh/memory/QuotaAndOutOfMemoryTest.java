package dev.kosh.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Frame and swap quotas per space, and the system-wide out-of-memory policy. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class QuotaAndOutOfMemoryTest {

    private static final long PAGE = 4096;
    private static final long HINT = 0x4000_0000L;

    @TempDir
    Path dir;

    private PhysicalMemory memory;
    private VirtualMemory vm;

    /** {@code frames} usable frames (the first MiB reserved), swap of {@code slots} slots (0: none). */
    private void boot(long usableFrames, int slots) throws IOException {
        memory = PhysicalMemory.create((1L << 20) + usableFrames * PAGE, 10, List.of(MemoryRange.reserved(0, 1 << 20)));
        VmConfig config = VmConfig.defaults().withRandom(new Random(5));
        vm = VirtualMemory.create(memory, slots == 0 ? config : config.withSwap(dir.resolve("swap"), slots, null));
    }

    @AfterEach
    void tearDown() throws IOException {
        if (vm != null) vm.close();
        if (memory != null) memory.close();
    }

    private VirtualAddressSpace space(long quota) {
        return ((SpaceResult.Created) vm.newSpace(quota)).space();
    }

    private static byte[] page(int seed) {
        byte[] b = new byte[(int) PAGE];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void atItsFrameQuotaASpaceSwapsItsOwnPagesOutUntilItsSwapQuotaIsFull() throws IOException {
        boot(256, 64);
        try (VirtualAddressSpace s = space(8)) {
            s.setSwapQuota(6);
            assertEquals(8, s.frameQuota());
            assertEquals(6, s.swapQuota());
            assertInstanceOf(RangeResult.Done.class, s.map(HINT, 32, Protection.USER_READ_WRITE));
            int written = 0;
            CopyResult last = null;
            for (int i = 0; i < 32; i++) {
                last = s.write(HINT + i * PAGE, page(i));
                if (!(last instanceof CopyResult.Copied)) break;
                written++;
            }
            assertEquals(SignalReason.QUOTA_EXCEEDED, assertInstanceOf(CopyResult.Faulted.class, last).signal().reason());
            assertEquals(6, s.swappedPages(), "the swap quota was used up first");
            assertTrue(s.residentPages() + s.pageTableFrames() <= 8, "resident pages + tables stay within the frame quota");
            assertEquals(written, s.residentPages() + s.swappedPages());
            // Everything written is still there, whichever side of the swap it is on.
            for (int i = 0; i < written; i++) {
                byte[] back = new byte[(int) PAGE];
                assertInstanceOf(CopyResult.Copied.class, s.read(HINT + i * PAGE, back));
                assertArrayEquals(page(i), back, "page " + i);
            }
            assertTrue(vm.stats().swapOuts() >= 6);
        }
        assertEquals(0, vm.stats().swapSlotsUsed(), "closing the space returned its slots");
    }

    @Test
    void withoutSwapAFrameQuotaIsAHardLimit() throws IOException {
        boot(64, 0);
        try (VirtualAddressSpace s = space(6)) {
            s.map(HINT, 8, Protection.USER_READ_WRITE);
            int ok = 0;
            while (s.write(HINT + ok * PAGE, new byte[] {1}) instanceof CopyResult.Copied) ok++;
            assertEquals(6 - s.pageTableFrames(), ok);
            assertThrows(IllegalArgumentException.class, () -> s.setSwapQuota(-1));
        }
    }

    @Test
    void systemWideReclaimPassesOverASpaceWhoseSwapQuotaIsFull() throws IOException {
        boot(40, 64);
        List<OutOfMemoryVictim> asked = new ArrayList<>();
        vm.setOutOfMemoryHandler(v -> {
            asked.add(v);
            return false;
        });
        try (VirtualAddressSpace pinned = space(Long.MAX_VALUE); VirtualAddressSpace other = space(Long.MAX_VALUE)) {
            pinned.setSwapQuota(0);
            pinned.map(HINT, 20, Protection.USER_READ_WRITE);
            for (int i = 0; i < 20; i++) pinned.write(HINT + i * PAGE, new byte[] {1});
            other.map(HINT, 40, Protection.USER_READ_WRITE);
            for (int i = 0; i < 40; i++) {
                assertInstanceOf(CopyResult.Copied.class, other.write(HINT + i * PAGE, new byte[] {2}), "page " + i);
            }
            assertEquals(0, pinned.swappedPages(), "a space with swap quota 0 is never swapped out");
            assertEquals(20, pinned.residentPages());
            assertTrue(asked.isEmpty(), "swap had room: no out-of-memory");
        }
    }

    @Test
    void whenFramesAndSwapAreGoneTheLargestSpaceIsTakenAndTheFaultSucceeds() throws IOException {
        boot(48, 8);
        List<OutOfMemoryVictim> victims = new ArrayList<>();
        VirtualAddressSpace big = space(Long.MAX_VALUE);
        VirtualAddressSpace small = space(Long.MAX_VALUE);
        VirtualAddressSpace asking = space(Long.MAX_VALUE);
        vm.setOutOfMemoryHandler(v -> {
            victims.add(v);
            return true;
        });
        big.map(HINT, 64, Protection.USER_READ_WRITE);
        small.map(HINT, 64, Protection.USER_READ_WRITE);
        asking.map(HINT, 64, Protection.USER_READ_WRITE);
        int i = 0;
        while (i < 24 && big.write(HINT + i * PAGE, new byte[] {1}) instanceof CopyResult.Copied) i++;
        for (int j = 0; j < 4; j++) small.write(HINT + j * PAGE, new byte[] {1});
        int k = 0;
        CopyResult r;
        do {
            r = asking.write(HINT + k * PAGE, new byte[] {3});
            k++;
        } while (r instanceof CopyResult.Copied && victims.isEmpty() && k < 64);
        assertEquals(1, victims.size(), "the policy ran once the system was out of frames and swap");
        OutOfMemoryVictim v = victims.get(0);
        assertEquals(big.id(), v.spaceId(), "the largest offender was chosen");
        assertEquals(asking.id(), v.requesterId());
        assertEquals(3, v.spaces());
        assertTrue(v.pages() >= 24, v.toString());
        assertInstanceOf(CopyResult.Copied.class, r, "the fault that ran out of memory succeeded after the kill");
        assertThrows(IllegalStateException.class, big::residentPages, "the victim's space is closed");
        assertEquals(1, vm.stats().outOfMemoryKills());
        var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        try (MemoryMetrics metrics = MemoryMetrics.bind(vm, registry)) {
            assertEquals(1, registry.get(MemoryMetrics.OOM_KILLS).functionCounter().count());
        }
        big.close();
        small.close();
        asking.close();
        assertEquals(0, vm.stats().swapSlotsUsed());
    }

    @Test
    void whenTheFaultingSpaceIsTheLargestItAloneFails() throws IOException {
        boot(24, 0);
        List<OutOfMemoryVictim> victims = new ArrayList<>();
        vm.setOutOfMemoryHandler(v -> {
            victims.add(v);
            return true;
        });
        try (VirtualAddressSpace hog = space(Long.MAX_VALUE); VirtualAddressSpace bystander = space(Long.MAX_VALUE)) {
            bystander.map(HINT, 2, Protection.USER_READ_WRITE);
            bystander.write(HINT, new byte[] {7});
            hog.map(HINT, 64, Protection.USER_READ_WRITE);
            CopyResult r;
            int i = 0;
            do {
                r = hog.write(HINT + i++ * PAGE, new byte[] {1});
            } while (r instanceof CopyResult.Copied);
            assertEquals(SignalReason.OUT_OF_MEMORY, assertInstanceOf(CopyResult.Faulted.class, r).signal().reason());
            assertEquals(hog.id(), victims.get(0).spaceId());
            byte[] b = new byte[1];
            bystander.read(HINT, b);
            assertEquals(7, b[0], "the bystander was not touched");
        }
    }

    @Test
    void aHandlerThatDeclinesLeavesEverySpaceAlone() throws IOException {
        boot(16, 0);
        vm.setOutOfMemoryHandler(v -> false);
        try (VirtualAddressSpace a = space(Long.MAX_VALUE); VirtualAddressSpace b = space(Long.MAX_VALUE)) {
            a.map(HINT, 32, Protection.USER_READ_WRITE);
            int i = 0;
            while (a.write(HINT + i * PAGE, new byte[] {1}) instanceof CopyResult.Copied) i++;
            b.map(HINT, 1, Protection.USER_READ_WRITE);
            assertEquals(SignalReason.OUT_OF_MEMORY,
                    assertInstanceOf(CopyResult.Faulted.class, b.write(HINT, new byte[] {1})).signal().reason());
            assertEquals(i, a.residentPages());
            assertEquals(0, vm.stats().outOfMemoryKills());
        }
    }
}
