package dev.kosh.hal.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.MemoryMap;
import dev.kosh.hal.RegionType;
import dev.kosh.hal.spi.HostRoot;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class MemoryMapReaderTest {

    @TempDir
    Path dir;

    /** /proc/iomem of this workplace's host, as root sees it. */
    static final String IOMEM = """
            00000000-00000fff : Reserved
            00001000-0009fbff : System RAM
            0009fc00-000fffff : Reserved
              000f0000-000fffff : System ROM
            00100000-bfffffff : System RAM
              01000000-0220bb07 : Kernel code
            c0001000-eebfffff : PCI Bus 0000:00
            eec00000-febfffff : Reserved
              eec00000-eecfffff : PCI ECAM 0000 [bus 00-00]
            fec00000-fec003ff : IOAPIC 0
            100000000-63fffffff : System RAM
            4000000000-7fffffffff : PCI Bus 0000:00
              4000000000-400007ffff : 0000:00:01.0
            """;

    private static HalError error(HalResult<MemoryMap> r) {
        return ((HalResult.Err<MemoryMap>) r).error();
    }

    @Test
    void iomemTopLevelLinesBecomeTheMapAndNestedOnesAreIgnored() {
        MemoryMap m = MemoryMapReader.parseIomem(IOMEM).orElseThrow();
        assertEquals(0x9ec00L + 0xbff00000L + 0x540000000L, m.usableBytes());
        assertEquals(RegionType.DEVICE, m.regionAt(0xc000_1000L).orElseThrow().type());
        assertEquals(RegionType.DEVICE, m.regionAt(0x40_0000_0000L).orElseThrow().type());
        assertEquals(RegionType.RESERVED, m.regionAt(0).orElseThrow().type());
        assertEquals("/proc/iomem", m.source());
    }

    @Test
    void iomemReadWithoutRootShowsZerosAndIsReportedUnavailable() {
        String zeros = IOMEM.replaceAll("[0-9a-f]+-[0-9a-f]+ :", "00000000-00000000 :");
        var e = assertInstanceOf(HalError.Unavailable.class, error(MemoryMapReader.parseIomem(zeros)));
        assertTrue(e.reason().contains("root"), e.reason());
    }

    @Test
    void iomemGarbageIsMalformedWithItsLineNumber() {
        var e = assertInstanceOf(HalError.Malformed.class,
                error(MemoryMapReader.parseIomem("00000000-00000fff : Reserved\nthis is not iomem\n")));
        assertEquals(2, e.line());
        e = assertInstanceOf(HalError.Malformed.class, error(MemoryMapReader.parseIomem("00002000-00000fff : Reserved\n")));
        assertEquals(1, e.line());
        assertInstanceOf(HalError.Malformed.class, error(MemoryMapReader.parseIomem("")));
    }

    @Test
    void firmwareMemmapEntriesHaveInclusiveEndsAndNamedTypes() {
        FakeTree t = new FakeTree(dir);
        String[][] entries = {{"0x0", "0x9fbff", "System RAM"}, {"0x9fc00", "0xfffff", "Reserved"},
                {"0x100000", "0xbfffffff", "System RAM"}, {"0xbffe0000", "0xbfffffff", "ACPI Tables"}};
        for (int i = 0; i < entries.length; i++) {
            t.file("sys/firmware/memmap/" + i + "/start", entries[i][0] + "\n")
                    .file("sys/firmware/memmap/" + i + "/end", entries[i][1] + "\n")
                    .file("sys/firmware/memmap/" + i + "/type", entries[i][2] + "\n");
        }
        MemoryMap m = MemoryMapReader.firmwareMemmap(t.host()).orElseThrow();
        assertEquals(0x9fc00L + (0xbffe0000L - 0x100000L), m.usableBytes(), "ACPI tables carved out of RAM");
        assertEquals(RegionType.ACPI_RECLAIMABLE, m.regionAt(0xbfff_0000L).orElseThrow().type());
    }

    @Test
    void firmwareMemmapWithABadNumberIsMalformedNamingTheFile() {
        FakeTree t = new FakeTree(dir).file("sys/firmware/memmap/0/start", "0x0\n")
                .file("sys/firmware/memmap/0/end", "lots\n").file("sys/firmware/memmap/0/type", "System RAM\n");
        var e = assertInstanceOf(HalError.Malformed.class, error(MemoryMapReader.firmwareMemmap(t.host())));
        assertEquals("/sys/firmware/memmap/0/end", e.source());
    }

    @Test
    void firstOfFallsBackFromAMissingSourceAndStopsAtAMalformedOne() {
        FakeTree t = new FakeTree(dir).file("proc/iomem", IOMEM);
        var m = MemoryMapReader.firstOf(t.host(), MemoryMapReader::firmwareMemmap, MemoryMapReader::iomem).orElseThrow();
        assertEquals("/proc/iomem", m.source());
        t.file("sys/firmware/memmap/0/start", "junk\n");
        assertInstanceOf(HalError.Malformed.class,
                error(MemoryMapReader.firstOf(t.host(), MemoryMapReader::firmwareMemmap, MemoryMapReader::iomem)));
        var none = MemoryMapReader.firstOf(new FakeTree(dir.resolve("empty")).host(), MemoryMapReader::firmwareMemmap,
                MemoryMapReader::iomem);
        var u = assertInstanceOf(HalError.Unavailable.class, error(none));
        assertTrue(u.reason().contains("/sys/firmware/memmap") && u.reason().contains("/proc/iomem"), u.reason());
    }

    @Test
    void liveHostIomemHasUsableRam() {
        // Root sees real addresses; anyone else must get the typed refusal, never an empty map.
        switch (MemoryMapReader.iomem(HostRoot.live())) {
            case HalResult.Ok<MemoryMap>(MemoryMap m) -> assertTrue(m.usableBytes() > 0);
            case HalResult.Err<MemoryMap>(HalError e) -> assertInstanceOf(HalError.Unavailable.class, e, e.message());
        }
    }
}
