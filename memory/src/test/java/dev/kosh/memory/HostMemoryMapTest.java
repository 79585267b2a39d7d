package dev.kosh.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kosh.hal.MemoryMap;
import dev.kosh.hal.MemoryRegion;
import dev.kosh.hal.RegionType;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The HAL's memory map turned into the arena's reserved ranges. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class HostMemoryMapTest {

    private static final long MIB = 1L << 20;

    /**
     * A PC's e820 table as /sys/firmware/memmap shows it: RAM below 640 KiB with the EBDA at its
     * top, the VGA window not listed at all, the BIOS ROM, RAM to just under 128 MiB, ACPI tables,
     * then the IOAPIC far above the arena. Given out of order, as a raw reader may.
     */
    private static final MemoryMap PC = MemoryMap.normalise(List.of(
            new MemoryRegion(0x10_0000, 0x7EE_0000, RegionType.USABLE, "System RAM"),
            new MemoryRegion(0, 0x9_FC00, RegionType.USABLE, "System RAM"),
            new MemoryRegion(0x9_FC00, 0x400, RegionType.RESERVED, "EBDA"),
            new MemoryRegion(0xF_0000, 0x1_0000, RegionType.RESERVED, "System ROM"),
            new MemoryRegion(0x7FE_0000, 0x2_0000, RegionType.ACPI_RECLAIMABLE, "ACPI Tables"),
            new MemoryRegion(0xFEC0_0000L, 0x1000, RegionType.DEVICE, "IOAPIC 0")), "test e820");

    @Test
    void nonUsableRegionsAndHolesInsideTheArenaBecomeReservedRanges() {
        assertEquals(List.of(
                new MemoryRange(0x9_FC00, 0x400, MemoryRange.Type.RESERVED),
                new MemoryRange(0xA_0000, 0x5_0000, MemoryRange.Type.HOLE),
                new MemoryRange(0xF_0000, 0x1_0000, MemoryRange.Type.RESERVED),
                new MemoryRange(0x7FE_0000, 0x2_0000, MemoryRange.Type.ACPI_RECLAIMABLE)),
                MemoryRange.reservedIn(PC, 128 * MIB));
    }

    @Test
    void aRegionAcrossTheArenaEndIsClippedAndRegionsPastItAreIgnored() {
        assertEquals(new MemoryRange(0x7FE_0000, 0x1_0000, MemoryRange.Type.ACPI_RECLAIMABLE),
                MemoryRange.reservedIn(PC, 0x7FF_0000).getLast());
        assertEquals(List.of(new MemoryRange(0x9_FC00, 0x400, MemoryRange.Type.RESERVED)),
                MemoryRange.reservedIn(PC, 0xA_0000));
    }

    @Test
    void theArenaPastTheMapsLastRegionStaysUsable() {
        MemoryMap small = new MemoryMap(List.of(
                new MemoryRegion(0x1000, 64 * MIB - 0x1000, RegionType.USABLE, "System RAM")), "small host");
        // The leading gap is a hole; past 64 MiB the arena models memory the host does not have.
        assertEquals(List.of(new MemoryRange(0, 0x1000, MemoryRange.Type.HOLE)), MemoryRange.reservedIn(small, 256 * MIB));
        assertEquals(List.of(), MemoryRange.reservedIn(new MemoryMap(List.of(), "none"), 256 * MIB));
        assertThrows(IllegalArgumentException.class, () -> MemoryRange.reservedIn(small, 0));
    }

    @Test
    void everyHalRegionTypeMapsToANonUsableTypeButUsable() {
        for (RegionType type : RegionType.values()) {
            MemoryRange.Type mapped = MemoryRange.typeOf(type);
            assertEquals(type == RegionType.USABLE, mapped == MemoryRange.Type.USABLE, type + " -> " + mapped);
            assertEquals(type.name(), mapped.name(), "the two enums name the same things");
        }
    }

    @Test
    void anArenaBuiltFromTheHostMapNeverHandsOutTheLegacyHoleOrAcpiTables() {
        try (PhysicalMemory memory = PhysicalMemory.create(128 * MIB, PC)) {
            // Frame 0x9F holds the EBDA's first byte, frames 0xA0-0xFF are the hole and ROM,
            // and 32 frames of ACPI tables sit at the top.
            long reserved = (0x100 - 0x9F) + 32;
            MemoryStats stats = memory.stats();
            assertEquals(reserved, stats.reservedFrames());
            assertEquals(stats.totalFrames() - reserved, stats.freeFrames());
            assertEquals(new FreeResult.ReservedFrame(0xB_8000), memory.free(0xB_8000, 0));
            long handedOut = 0;
            while (memory.allocate(0) instanceof AllocResult.Allocated a) {
                long pa = a.physicalAddress();
                assertFalse(pa >= 0x9_F000 && pa < 0x10_0000, "legacy frame " + Long.toHexString(pa));
                assertTrue(pa < 0x7FE_0000, "ACPI frame " + Long.toHexString(pa));
                handedOut++;
            }
            assertEquals(stats.totalFrames() - reserved, handedOut);
        }
    }
}
