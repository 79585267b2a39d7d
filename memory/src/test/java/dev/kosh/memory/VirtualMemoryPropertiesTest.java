package dev.kosh.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Copy-on-write, swap and compaction against a model: per space, a map from page to the byte
 * it last wrote there. Steps are integers decoded into map/clone/write/read/unmap operations.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VirtualMemoryPropertiesTest {

    private static final long BASE = 0x10_0000_0000L;
    private static final int PAGES = 8;

    @TempDir
    Path dir;

    /** Runs the model over one arena; with swap, the arena is small enough that pages must go out. */
    private void run(List<Integer> steps, long arenaBytes, boolean withSwap, int compactEvery) {
        PhysicalMemory memory = PhysicalMemory.create(arenaBytes, 10, List.of(MemoryRange.reserved(0, 1 << 20)));
        long initialFree = memory.stats().freeFrames();
        VmConfig config = VmConfig.defaults().withRandom(new Random(1));
        Path swapFile = dir.resolve("swap-" + System.nanoTime());
        if (withSwap) {
            config = config.withSwap(swapFile, 4096, null);
        }
        try (VirtualMemory vm = VirtualMemory.create(memory, config)) {
            List<VirtualAddressSpace> spaces = new ArrayList<>();
            List<Map<Long, Byte>> models = new ArrayList<>();
            VirtualAddressSpace first = ((SpaceResult.Created) vm.newSpace()).space();
            first.reserve(BASE, PAGES * 4096L, RegionKind.ANONYMOUS, Protection.USER_READ_WRITE);
            spaces.add(first);
            models.add(new HashMap<>());
            int n = 0;
            for (int step : steps) {
                int op = step % 5;
                int si = (step / 5) % spaces.size();
                long page = BASE + ((step / 50) % PAGES) * 4096L;
                byte value = (byte) (step >>> 20);
                VirtualAddressSpace s = spaces.get(si);
                Map<Long, Byte> model = models.get(si);
                switch (op) {
                    case 0, 1 -> {
                        assertEquals(new CopyResult.Copied(1), s.write(page + 7, new byte[] {value}));
                        model.put(page, value);
                    }
                    case 2 -> {
                        byte[] got = new byte[1];
                        assertEquals(new CopyResult.Copied(1), s.read(page + 7, got));
                        assertEquals(model.getOrDefault(page, (byte) 0), got[0], "space " + si + " page " + page);
                    }
                    case 3 -> {
                        if (spaces.size() < 4) {
                            spaces.add(((SpaceResult.Created) s.cloneSpace()).space());
                            models.add(new HashMap<>(model));
                        } else {
                            s.close();
                            spaces.remove(si);
                            models.remove(si);
                            if (spaces.isEmpty()) {
                                VirtualAddressSpace fresh = ((SpaceResult.Created) vm.newSpace()).space();
                                fresh.reserve(BASE, PAGES * 4096L, RegionKind.ANONYMOUS, Protection.USER_READ_WRITE);
                                spaces.add(fresh);
                                models.add(new HashMap<>());
                            }
                        }
                    }
                    default -> {
                        s.release(BASE);
                        s.reserve(BASE, PAGES * 4096L, RegionKind.ANONYMOUS, Protection.USER_READ_WRITE);
                        model.clear();
                    }
                }
                if (compactEvery > 0 && ++n % compactEvery == 0) {
                    AllocResult block = vm.allocateContiguous(memory.maxOrder());
                    if (block instanceof AllocResult.Allocated(long pa, int order)) {
                        memory.free(pa, order);
                    }
                }
            }
            // Every space reads what it last wrote, whatever swap and compaction did meanwhile.
            for (int i = 0; i < spaces.size(); i++) {
                for (long p = 0; p < PAGES; p++) {
                    byte[] got = new byte[1];
                    spaces.get(i).read(BASE + p * 4096 + 7, got);
                    assertEquals(models.get(i).getOrDefault(BASE + p * 4096, (byte) 0), got[0]);
                }
            }
            long resident = spaces.stream().mapToLong(VirtualAddressSpace::residentPages).sum();
            assertTrue(memory.stats().allocatedFrames() <= resident
                    + spaces.stream().mapToLong(VirtualAddressSpace::pageTableFrames).sum(), "frames are conserved");
            spaces.forEach(VirtualAddressSpace::close);
            assertEquals(0, vm.stats().swapSlotsUsed(), "closing every space frees every swap slot");
            assertEquals(initialFree, memory.stats().freeFrames(), "closing every space returns every frame");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            memory.close();
        }
    }

    @Test
    void copyOnWriteNeverLetsOneSpaceSeeAnothersWrite() {
        qt().withExamples(60).withShrinkCycles(50)
                .forAll(lists().of(integers().between(0, Integer.MAX_VALUE)).ofSizeBetween(1, 150))
                .checkAssert(steps -> run(steps, 8L << 20, false, 0));
    }

    @Test
    void swapAndCompactionPreserveEveryPage() {
        // 1 MiB usable: fewer frames than 4 spaces x 8 pages + their tables, so pages go to swap.
        qt().withExamples(30).withShrinkCycles(30)
                .forAll(lists().of(integers().between(0, Integer.MAX_VALUE)).ofSizeBetween(1, 150))
                .checkAssert(steps -> run(steps, (1 << 20) + (40 << 12), true, 7));
    }

    // ---------------------------------------------------------------- ASLR

    @Test
    void aslrBasesDifferAcrossSpacesAndStayCanonicalAndAligned() throws IOException {
        try (PhysicalMemory memory = PhysicalMemory.create(4L << 20, List.of());
             VirtualMemory vm = VirtualMemory.create(memory, VmConfig.defaults())) {
            Set<Long> heaps = new HashSet<>();
            Set<Long> stacks = new HashSet<>();
            Set<Long> mmaps = new HashSet<>();
            for (int i = 0; i < 20; i++) {
                try (VirtualAddressSpace s = ((SpaceResult.Created) vm.newSpace()).space()) {
                    AddressLayout l = s.layout();
                    for (long base : new long[] {l.heapBase(), l.mmapBase(), l.stackTop()}) {
                        assertEquals(0, base & 0xFFF);
                        assertTrue(base > 0 && base < 0x0000_8000_0000_0000L, Long.toHexString(base));
                    }
                    assertTrue(l.heapBase() < AddressLayout.HEAP_WINDOW + (1L << (AddressLayout.HEAP_ENTROPY_BITS + 12)));
                    assertTrue(l.mmapBase() > AddressLayout.MMAP_WINDOW - (1L << (AddressLayout.MMAP_ENTROPY_BITS + 12)));
                    assertTrue(l.stackTop() > AddressLayout.STACK_WINDOW - (1L << (AddressLayout.STACK_ENTROPY_BITS + 12)));
                    assertInstanceOf(ReserveResult.Reserved.class, s.reserveStack(1 << 20));
                    assertInstanceOf(ReserveResult.Reserved.class, s.reserveAnonymous(1 << 20, Protection.USER_READ));
                    heaps.add(l.heapBase());
                    stacks.add(l.stackTop());
                    mmaps.add(l.mmapBase());
                }
            }
            assertTrue(heaps.size() >= 19 && stacks.size() >= 19 && mmaps.size() >= 19);
        }
    }

    @Test
    void withoutAslrEverySpaceGetsTheSameLayout() throws IOException {
        try (PhysicalMemory memory = PhysicalMemory.create(4L << 20, List.of());
             VirtualMemory vm = VirtualMemory.create(memory, VmConfig.defaults().withAslr(false));
             VirtualAddressSpace a = ((SpaceResult.Created) vm.newSpace()).space();
             VirtualAddressSpace b = ((SpaceResult.Created) vm.newSpace()).space()) {
            assertEquals(a.layout(), b.layout());
            assertEquals(AddressLayout.of(0, 0, 0), a.layout());
            assertNotEquals(a.id(), b.id());
        }
    }

    // ---------------------------------------------------------------- swap

    @Test
    void coldPagesGoToSwapAndComeBackIntactAsMajorFaults() throws IOException {
        try (PhysicalMemory memory = PhysicalMemory.create(64 << 12, 6, List.of());
             VirtualMemory vm = VirtualMemory.create(memory, VmConfig.defaults().withSwap(dir.resolve("swap"), 256, null))) {
            long initialFree = memory.stats().freeFrames();
            VirtualAddressSpace s = ((SpaceResult.Created) vm.newSpace()).space();
            int pages = 100;
            s.reserve(BASE, pages * 4096L, RegionKind.HEAP, Protection.USER_READ_WRITE);
            Random random = new Random(3);
            byte[][] data = new byte[pages][4096];
            for (int p = 0; p < pages; p++) {
                random.nextBytes(data[p]);
                assertEquals(new CopyResult.Copied(4096), s.write(BASE + p * 4096L, data[p]));
            }
            assertTrue(s.swappedPages() > 0 && vm.stats().swapOuts() > 0);
            assertTrue(s.pmap().swappedPages() > 0);
            for (int p = 0; p < pages; p++) {
                byte[] back = new byte[4096];
                assertEquals(new CopyResult.Copied(4096), s.read(BASE + p * 4096L, back));
                assertArrayEquals(data[p], back, "page " + p);
            }
            VmStats stats = vm.stats();
            assertTrue(stats.majorFaults() > 0 && stats.swapIns() == stats.majorFaults());
            // Read, not written, since they came back: evicting them again needs no write.
            assertTrue(vm.reclaim(10) > 0);
            assertTrue(vm.stats().swapCacheHits() > 0, vm.stats().toString());
            s.close();
            assertEquals(0, vm.stats().swapSlotsUsed());
            assertEquals(initialFree, memory.stats().freeFrames());
        }
    }

    @Test
    void withoutSwapReclaimDoesNothing() throws IOException {
        try (PhysicalMemory memory = PhysicalMemory.create(64 << 12, 6, List.of());
             VirtualMemory vm = VirtualMemory.create(memory, VmConfig.defaults())) {
            assertEquals(0, vm.reclaim(5));
            assertEquals(0, vm.stats().swapSlots());
        }
    }

    // ---------------------------------------------------------------- compaction

    @Test
    void compactionFreesAHigherOrderBlockAndKeepsEveryMappingsData() throws IOException {
        try (PhysicalMemory memory = PhysicalMemory.create(64 << 12, 6, List.of());
             VirtualMemory vm = VirtualMemory.create(memory, VmConfig.defaults())) {
            VirtualAddressSpace s = ((SpaceResult.Created) vm.newSpace()).space();
            s.reserve(BASE, 64 * 4096L, RegionKind.HEAP, Protection.USER_READ_WRITE);
            VirtualAddressSpace other = ((SpaceResult.Created) vm.newSpace()).space();
            other.reserve(BASE, 64 * 4096L, RegionKind.HEAP, Protection.USER_READ_WRITE);
            // Fill the arena with pages of two spaces, interleaved, then drop one space's pages:
            // half the frames free, but scattered between the other space's pages.
            int pages = 0;
            while (memory.stats().freeFrames() > 1) {
                s.write(BASE + pages * 4096L, new byte[] {(byte) (pages + 1)});
                other.write(BASE + pages * 4096L, new byte[] {(byte) (pages + 2)});
                pages++;
            }
            other.release(BASE);
            assertTrue(memory.stats().freeFrames() >= 4, memory.stats().format());
            VirtualAddressSpace child = ((SpaceResult.Created) s.cloneSpace()).space();
            int largest = memory.stats().largestFreeOrder();
            AllocResult block = vm.allocateContiguous(largest + 1);
            AllocResult.Allocated got = assertInstanceOf(AllocResult.Allocated.class, block, memory.stats().format());
            assertEquals(1, vm.stats().compactions());
            assertTrue(vm.stats().migratedFrames() > 0);
            for (int p = 0; p < pages; p++) {
                byte[] one = new byte[1];
                s.read(BASE + p * 4096L, one);
                assertEquals((byte) (p + 1), one[0]);
                child.read(BASE + p * 4096L, one);
                assertEquals((byte) (p + 1), one[0]);
            }
            memory.free(got.physicalAddress(), got.order());
            child.close();
            s.close();
            other.close();
        }
    }
}
