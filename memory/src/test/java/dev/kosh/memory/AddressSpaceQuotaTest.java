package dev.kosh.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A frame quota per address space: what it charges, what it refuses, and that a refusal changes nothing. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class AddressSpaceQuotaTest {

    private static final long VA = 0x4000_0000L;

    private static AddressSpace space(PhysicalMemory memory, long quota) {
        return assertInstanceOf(CreateSpaceResult.Created.class, memory.newAddressSpace(quota)).space();
    }

    @Test
    void quotaChargesDataFramesAndPageTablesAndARefusalChangesNothing() {
        try (PhysicalMemory memory = PhysicalMemory.create(4L << 20, List.of())) {
            AddressSpace space = space(memory, 5);
            assertEquals(1, space.chargedFrames(), "the PML4");
            // PDPT, PD and page table plus the data frame: exactly up to the quota.
            assertInstanceOf(MapResult.Mapped.class, space.mapAnonymous(VA, PageSize.SIZE_4K, Protection.USER_READ_WRITE));
            assertEquals(1, space.residentFrames());
            assertEquals(5, space.chargedFrames());
            MemoryStats before = memory.stats();
            assertEquals(new MapResult.QuotaExceeded(VA + 0x1000, PageSize.SIZE_4K, 1, 5, 5),
                    space.mapAnonymous(VA + 0x1000, PageSize.SIZE_4K, Protection.USER_READ_WRITE));
            assertEquals(before, memory.stats(), "a refused map takes no frame");
            assertEquals(1, space.mappedPages(PageSize.SIZE_4K));
            assertEquals(5, space.chargedFrames());

            // Unmapping the only page frees it and its three tables: room for a page elsewhere.
            assertInstanceOf(UnmapResult.Unmapped.class, space.unmap(VA));
            assertEquals(1, space.chargedFrames());
            assertInstanceOf(MapResult.Mapped.class,
                    space.mapAnonymous(0x7F00_0000_0000L, PageSize.SIZE_4K, Protection.USER_READ_WRITE));
            space.close();
        }
    }

    @Test
    void aLargePageChargesItsFiveHundredTwelveFramesAndTwoTables() {
        try (PhysicalMemory memory = PhysicalMemory.create(8L << 20, List.of())) {
            AddressSpace space = space(memory, 1 + 2 + 511);
            assertEquals(new MapResult.QuotaExceeded(0x20_0000, PageSize.SIZE_2M, 514, 1, 514),
                    space.mapAnonymous(0x20_0000, PageSize.SIZE_2M, Protection.USER_READ_WRITE));
            space.setFrameQuota(515);
            assertInstanceOf(MapResult.Mapped.class, space.mapAnonymous(0x20_0000, PageSize.SIZE_2M, Protection.USER_READ_WRITE));
            assertEquals(512, space.residentFrames());
            assertEquals(515, space.chargedFrames());
            space.close();
        }
    }

    @Test
    void framesMappedFromTheCallerAreChargedOnlyForTheirTables() {
        try (PhysicalMemory memory = PhysicalMemory.create(4L << 20, List.of())) {
            long shared = assertInstanceOf(AllocResult.Allocated.class, memory.allocate(0)).physicalAddress();
            AddressSpace space = space(memory, 3);
            assertEquals(new MapResult.QuotaExceeded(VA, PageSize.SIZE_4K, 3, 1, 3),
                    space.mapFrame(VA, shared, PageSize.SIZE_4K, Protection.USER_READ));
            space.setFrameQuota(4);
            assertInstanceOf(MapResult.Mapped.class, space.mapFrame(VA, shared, PageSize.SIZE_4K, Protection.USER_READ));
            assertEquals(0, space.residentFrames());
            assertEquals(4, space.chargedFrames());
            space.close();
            assertInstanceOf(FreeResult.Freed.class, memory.free(shared, 0), "the caller's frame stayed the caller's");
        }
    }

    @Test
    void loweringTheQuotaBelowTheChargeOnlyStopsNewMaps() {
        try (PhysicalMemory memory = PhysicalMemory.create(4L << 20, List.of())) {
            AddressSpace space = space(memory, Long.MAX_VALUE);
            assertEquals(Long.MAX_VALUE, space.frameQuota());
            for (int i = 0; i < 4; i++) {
                space.mapAnonymous(VA + i * 0x1000L, PageSize.SIZE_4K, Protection.USER_READ_WRITE);
            }
            space.setFrameQuota(2);
            assertEquals(8, space.chargedFrames());
            assertInstanceOf(MapResult.QuotaExceeded.class,
                    space.mapAnonymous(VA + 0x4000, PageSize.SIZE_4K, Protection.USER_READ_WRITE));
            assertEquals(4, space.mappedPages(PageSize.SIZE_4K));
            assertThrows(IllegalArgumentException.class, () -> space.setFrameQuota(0));
            assertThrows(IllegalArgumentException.class, () -> memory.newAddressSpace(0));
            space.close();
            assertThrows(IllegalStateException.class, space::chargedFrames);
        }
    }

    /**
     * Random maps and unmaps of 4 KiB and 2 MiB pages under a random quota: the charge never
     * passes the quota, always equals the frames the space took from the allocator, and close
     * gives every one back.
     */
    @Test
    void chargeNeverPassesTheQuotaAndEqualsTheFramesTaken() {
        qt().withExamples(60).forAll(integers().between(1, 1200), lists().of(integers().between(0, 1 << 16)).ofSizeBetween(1, 80))
                .checkAssert((quota, steps) -> {
                    try (PhysicalMemory memory = PhysicalMemory.create(16L << 20, List.of())) {
                        long free = memory.stats().freeFrames();
                        AddressSpace space = space(memory, quota);
                        for (int step : steps) {
                            PageSize size = (step & 1) == 0 ? PageSize.SIZE_4K : PageSize.SIZE_2M;
                            // 16 slots of each size, spread over two PML4 entries.
                            long va = ((step >>> 2) & 1L) << 39 | (size == PageSize.SIZE_4K
                                    ? ((step >>> 3) & 15L) << 12 : (((step >>> 3) & 15L) + 1) << 21);
                            if ((step & 2) == 0) {
                                space.mapAnonymous(va, size, Protection.USER_READ_WRITE);
                            } else {
                                space.unmap(va);
                            }
                            long charged = space.chargedFrames();
                            if (charged > quota) {
                                throw new AssertionError("charged " + charged + " over quota " + quota);
                            }
                            long taken = free - memory.stats().freeFrames();
                            if (charged != taken) {
                                throw new AssertionError("charged " + charged + " but took " + taken);
                            }
                        }
                        space.close();
                        if (memory.stats().freeFrames() != free) {
                            throw new AssertionError("close left " + (free - memory.stats().freeFrames()) + " frames");
                        }
                    }
                });
    }
}
