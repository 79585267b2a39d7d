package dev.kosh.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PhysicalMemoryTest {

    /** Exhaustive over the sealed result, no default: a new case breaks this at compile time. */
    private static String describe(AllocResult result) {
        return switch (result) {
            case AllocResult.Allocated a -> "allocated " + a.bytes() + " bytes at " + a.physicalAddress();
            case AllocResult.OutOfMemory o -> "out of memory, largest " + o.largestFreeOrder();
            case AllocResult.InvalidOrder i -> "invalid order " + i.order();
        };
    }

    private static String describe(FreeResult result) {
        return switch (result) {
            case FreeResult.Freed f -> "freed";
            case FreeResult.DoubleFree d -> "double free";
            case FreeResult.WrongOrder w -> "wrong order " + w.givenOrder() + "/" + w.allocatedOrder();
            case FreeResult.OutsideArena o -> "outside";
            case FreeResult.Unaligned u -> "unaligned";
            case FreeResult.InteriorFrame i -> "interior of " + i.blockAddress();
            case FreeResult.ReservedFrame r -> "reserved";
            case FreeResult.InvalidOrder i -> "invalid order";
        };
    }

    @Test
    void defaultArenaIs256MibOfFramesInMaxOrderBlocks() {
        try (PhysicalMemory memory = PhysicalMemory.create(PhysicalMemory.DEFAULT_SIZE, List.of())) {
            MemoryStats stats = memory.stats();
            assertEquals(65_536, stats.totalFrames());
            assertEquals(65_536, stats.freeFrames());
            assertEquals(64, stats.freeBlocks(10));
            assertEquals(10, stats.largestFreeOrder());
            assertEquals(10, memory.maxOrder());
            assertEquals(256L << 20, memory.sizeBytes());
        }
    }

    @Test
    void bootMemoryMapReservesFramesForTheLifeOfTheArena() {
        List<MemoryRange> map = List.of(
                new MemoryRange(0, 0x9_F000, MemoryRange.Type.USABLE),
                MemoryRange.reserved(0x9_F000, 0x6_1000), // legacy VGA/BIOS hole up to 1 MiB
                new MemoryRange(0x10_0000, 0x2F0_0000, MemoryRange.Type.USABLE),
                new MemoryRange(0x3F0_0000, 0x10_0000, MemoryRange.Type.ACPI_RECLAIMABLE));
        try (PhysicalMemory memory = PhysicalMemory.create(64L << 20, map)) {
            MemoryStats stats = memory.stats();
            assertEquals(0x61 + 0x100, stats.reservedFrames());
            assertEquals(stats.totalFrames() - stats.reservedFrames(), stats.freeFrames());
            assertEquals(new FreeResult.ReservedFrame(0xA_0000), memory.free(0xA_0000, 0));
            while (memory.allocate(0) instanceof AllocResult.Allocated a) {
                long pa = a.physicalAddress();
                assertTrue(pa < 0x9_F000 || (pa >= 0x10_0000 && pa < 0x3F0_0000), "reserved frame " + pa);
            }
            assertEquals(0, memory.stats().freeFrames());
        }
    }

    @Test
    void dmaBufferIsPhysicallyContiguousAndWritableThroughASegment() {
        try (PhysicalMemory memory = PhysicalMemory.create(16L << 20, List.of())) {
            AllocResult result = memory.allocate(4);
            long pa = assertInstanceOf(AllocResult.Allocated.class, result).physicalAddress();
            assertEquals("allocated 65536 bytes at " + pa, describe(result));
            MemorySegment buffer = memory.segment(pa, 16 * PhysicalMemory.FRAME_SIZE);
            buffer.set(ValueLayout.JAVA_LONG, 65_528, 0xCAFEL);
            assertEquals(0xCAFEL, memory.segment(pa + 65_528, 8).get(ValueLayout.JAVA_LONG, 0));
            assertEquals("freed", describe(memory.free(pa, 4)));
            assertEquals("double free", describe(memory.free(pa, 4)));
            assertThrows(IndexOutOfBoundsException.class, () -> memory.segment(16L << 20, 1));
        }
    }

    @Test
    void everyAllocationErrorIsAValue() {
        try (PhysicalMemory memory = PhysicalMemory.create(64 * 4096, 3, List.of())) {
            assertEquals("invalid order 4", describe(memory.allocate(4)));
            for (int i = 0; i < 8; i++) {
                memory.allocate(3);
            }
            assertEquals("out of memory, largest -1", describe(memory.allocate(0)));
            assertEquals("outside", describe(memory.free(1L << 40, 0)));
            assertEquals("unaligned", describe(memory.free(12, 0)));
            assertEquals("wrong order 0/3", describe(memory.free(0, 0)));
            assertEquals("interior of 0", describe(memory.free(4096, 0)));
            assertEquals("invalid order", describe(memory.free(0, 9)));
        }
    }

    @Test
    void closingAnAddressSpaceReturnsTheAllocatorToItsInitialFreeCount() {
        try (PhysicalMemory memory = PhysicalMemory.create(16L << 20, List.of(MemoryRange.reserved(0, 4096)))) {
            MemoryStats initial = memory.stats();
            AddressSpace space = assertInstanceOf(CreateSpaceResult.Created.class, memory.newAddressSpace()).space();
            for (int i = 0; i < 64; i++) {
                assertInstanceOf(MapResult.Mapped.class,
                        space.mapAnonymous(0x1000_0000L + i * 0x1000L, PageSize.SIZE_4K, Protection.USER_READ_WRITE));
            }
            assertInstanceOf(MapResult.Mapped.class,
                    space.mapAnonymous(0x7F00_0000_0000L, PageSize.SIZE_2M, Protection.USER_READ_EXECUTE));
            // PML4, plus PDPT, PD and one page table for the 64 small pages, plus PDPT and PD for the large one.
            assertEquals(6, space.pageTableFrames());
            space.close();
            assertEquals(initial, memory.stats());
        }
    }

    @Test
    void badConfigurationFailsAtBoot() {
        assertThrows(IllegalArgumentException.class, () -> PhysicalMemory.create(0, List.of()));
        assertThrows(IllegalArgumentException.class, () -> PhysicalMemory.create(4095, List.of()));
        assertThrows(IllegalArgumentException.class, () -> PhysicalMemory.create(1 << 20, 21, List.of()));
        assertThrows(IllegalArgumentException.class, () -> MemoryRange.reserved(-1, 4096));
        assertThrows(IllegalArgumentException.class, () -> MemoryRange.reserved(0, 0));
        assertThrows(IllegalArgumentException.class, () -> MemoryRange.reserved(Long.MAX_VALUE, 2));
    }

    @Test
    void closeFreesTheArenaAndIsIdempotent() {
        PhysicalMemory memory = PhysicalMemory.create(1 << 20, List.of());
        MemorySegment view = memory.segment(0, 8);
        memory.close();
        memory.close();
        assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_LONG, 0));
    }

    @Test
    void meminfoPrintsSizesAndFreeBlocksPerOrder() {
        try (PhysicalMemory memory = PhysicalMemory.create(8L << 20, List.of(MemoryRange.reserved(0, 8192)))) {
            // Frames 0-1 are reserved, so frames 2-3 are the order-1 block split for this frame.
            memory.allocate(0);
            MeminfoCommand command = new MeminfoCommand(memory::stats);
            String text = command.meminfo();
            assertTrue(text.matches("(?s)MemTotal:\\s+8192 kB\\s+2048 frames.*"), text);
            assertTrue(text.contains("MemReserved:            8 kB"), text);
            assertTrue(text.contains("MemUsed:                4 kB"), text);
            assertTrue(text.contains("MemFree:             8180 kB"), text);
            assertTrue(text.contains("FreeBlocks:     0:1 1:0 2:1 3:1 4:1 5:1 6:1 7:1 8:1 9:1 10:1"), text);
            assertTrue(text.contains("LargestFree:   order 10 (4096 kB)"), text);
            assertEquals("kosh", MeminfoCommand.SCOPE);
            assertEquals("meminfo", MeminfoCommand.FUNCTION);
        }
    }

    @Test
    void statsOfAnExhaustedArenaSayNothingIsFree() {
        try (PhysicalMemory memory = PhysicalMemory.create(4096, 0, List.of())) {
            memory.allocate(0);
            MemoryStats stats = memory.stats();
            assertEquals(-1, stats.largestFreeOrder());
            assertEquals(1, stats.allocatedFrames());
            assertTrue(stats.format().contains("LargestFree:   none"));
        }
    }

    @Test
    void protectionPermitsFollowX86Rules() {
        assertTrue(Protection.USER_READ.permits(AccessKind.READ, true));
        assertTrue(!Protection.USER_READ.permits(AccessKind.WRITE, false));
        assertTrue(!Protection.KERNEL_READ_WRITE.permits(AccessKind.READ, true));
        assertTrue(Protection.KERNEL_READ_WRITE.permits(AccessKind.WRITE, false));
        assertTrue(!Protection.USER_READ_WRITE.permits(AccessKind.EXECUTE, true));
        assertTrue(Protection.USER_READ_EXECUTE.permits(AccessKind.EXECUTE, true));
    }

    @Test
    void pageSizesHaveTheirX86Geometry() {
        assertEquals(4096, PageSize.SIZE_4K.bytes());
        assertEquals(0, PageSize.SIZE_4K.frameOrder());
        assertEquals(1, PageSize.SIZE_4K.leafLevel());
        assertEquals(2L << 20, PageSize.SIZE_2M.bytes());
        assertEquals(9, PageSize.SIZE_2M.frameOrder());
        assertEquals(2, PageSize.SIZE_2M.leafLevel());
        assertTrue(PageSize.SIZE_2M.aligned(0x4020_0000L));
        assertTrue(!PageSize.SIZE_2M.aligned(0x4020_1000L));
    }
}
