package dev.kosh.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The host memory behind the arena: every backing behaves the same, and the choice is explained. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ArenaBackingTest {

    private static final long MIB = 1L << 20;

    private static boolean linux() {
        return System.getProperty("os.name").equals("Linux")
                && Set.of("amd64", "aarch64").contains(System.getProperty("os.arch"));
    }

    /** The contract every backing keeps: fresh frames read as zero, writes read back, close ends access. */
    @ParameterizedTest
    @EnumSource(ArenaBacking.Policy.class)
    void everyBackingGivesZeroedFramesThatKeepWhatIsWritten(ArenaBacking.Policy policy) {
        PhysicalMemory memory = PhysicalMemory.create(8 * MIB, PhysicalMemory.DEFAULT_MAX_ORDER, List.of(), policy);
        MemorySegment all = memory.segment(0, memory.sizeBytes());
        for (long offset = 0; offset < all.byteSize(); offset += 4096) {
            assertEquals(0L, all.get(ValueLayout.JAVA_LONG, offset), "fresh frame at " + offset);
        }
        assertEquals(0L, all.get(ValueLayout.JAVA_LONG, all.byteSize() - 8));
        long pa = assertInstanceOf(AllocResult.Allocated.class, memory.allocate(9)).physicalAddress();
        memory.segment(pa, 2 * MIB).set(ValueLayout.JAVA_LONG, 2 * MIB - 8, 0x5EED_F00DL);
        assertEquals(0x5EED_F00DL, all.get(ValueLayout.JAVA_LONG, pa + 2 * MIB - 8));
        assertEquals(0, all.address() % 4096, "arena base is page-aligned in the host");
        memory.close();
        assertThrows(IllegalStateException.class, () -> all.get(ValueLayout.JAVA_LONG, 0),
                "a segment of a closed arena must fail, not read unmapped memory");
    }

    @Test
    void javaOnlyPolicyNeverCallsTheHost() {
        try (PhysicalMemory memory = PhysicalMemory.create(MIB, 8, List.of(), ArenaBacking.Policy.JAVA_ONLY)) {
            ArenaBacking backing = memory.backing();
            assertEquals(ArenaBacking.Kind.JAVA_ARENA, backing.kind());
            assertEquals(4096, backing.pageSize());
            assertTrue(backing.reason().startsWith("Java arena requested"), backing.reason());
            assertTrue(backing.describe().startsWith("Java arena, 4 KiB pages: "), backing.describe());
        }
    }

    @Test
    void hugePagesAreTriedFirstAndAFallbackSaysWhy() {
        assumeTrue(linux(), "mmap backings exist on Linux only");
        assertTrue(PhysicalMemory.prepareHost().isEmpty(), () -> "mmap unusable: " + PhysicalMemory.prepareHost());
        try (PhysicalMemory memory = PhysicalMemory.create(4 * MIB, List.of())) {
            ArenaBacking backing = memory.backing();
            switch (backing.kind()) {
                case HUGE_PAGES -> assertEquals(2 * MIB, backing.pageSize());
                case ANONYMOUS_MMAP -> {
                    // The usual case on a host whose hugetlb pool is empty.
                    assertEquals(4096, backing.pageSize());
                    assertTrue(backing.reason().startsWith("MAP_HUGETLB failed with "), backing.reason());
                    assertTrue(backing.reason().endsWith("pages committed on first touch"), backing.reason());
                }
                case JAVA_ARENA -> throw new AssertionError("Linux fell back to the Java arena: " + backing.describe());
            }
        }
    }

    @Test
    void sizeThatIsNotAMultipleOfTwoMibSkipsHugePages() {
        assumeTrue(linux(), "mmap backings exist on Linux only");
        try (PhysicalMemory memory = PhysicalMemory.create(MIB + 4096, List.of())) {
            assertEquals(ArenaBacking.Kind.ANONYMOUS_MMAP, memory.backing().kind());
            assertTrue(memory.backing().reason().startsWith("size is not a multiple of 2 MiB"), memory.backing().reason());
        }
    }

    @Test
    void ordinaryPagesPolicySkipsHugePages() {
        assumeTrue(linux(), "mmap backings exist on Linux only");
        try (PhysicalMemory memory = PhysicalMemory.create(4 * MIB, 10, List.of(), ArenaBacking.Policy.ORDINARY_PAGES)) {
            assertEquals(new ArenaBacking(ArenaBacking.Kind.ANONYMOUS_MMAP, 4096,
                    "ordinary pages requested; pages committed on first touch"), memory.backing());
            assertEquals("anonymous mmap, 4 KiB pages: ordinary pages requested; pages committed on first touch",
                    memory.backing().describe());
        }
    }

    /**
     * Pages are committed on touch, so an arena far larger than what is used costs neither time
     * nor host memory: 4 GiB of arena (2^20 frames), one frame touched.
     */
    @Test
    void aLargeArenaIsCheapUntilTouched() {
        assumeTrue(linux(), "mmap backings exist on Linux only");
        try (PhysicalMemory memory = PhysicalMemory.create(4096 * MIB, 10, List.of(), ArenaBacking.Policy.ORDINARY_PAGES)) {
            assertEquals(1L << 20, memory.stats().totalFrames());
            memory.segment(memory.sizeBytes() - 4096, 4096).set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
        }
    }

    @Test
    void backingRejectsAPageSizeThatIsNotAPowerOfTwo() {
        assertThrows(IllegalArgumentException.class,
                () -> new ArenaBacking(ArenaBacking.Kind.ANONYMOUS_MMAP, 3000, "x"));
        assertEquals("huge pages, 2 MiB pages: r",
                new ArenaBacking(ArenaBacking.Kind.HUGE_PAGES, 2 * MIB, "r").describe());
    }
}
