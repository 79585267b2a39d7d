package dev.kosh.hal.arm64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kosh.hal.CpuInfo;
import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class Arm64CpuInfoParserTest {

    private static HalResult<CpuInfo> parse(String text) {
        return Arm64CpuInfoParser.parse(text, "/proc/cpuinfo", OptionalLong.empty());
    }

    private static HalError.Malformed malformed(String text) {
        return assertInstanceOf(HalError.Malformed.class, ((HalResult.Err<CpuInfo>) parse(text)).error());
    }

    @Test
    void qemuVirtCortexA72IsDecodedFromImplementerAndPart() {
        CpuInfo c = parse(FakeArm64Host.captured("qemu-virt-a72-cpuinfo.txt")).orElseThrow();
        assertEquals("aarch64", c.architecture());
        assertEquals("ARM", c.vendor());
        assertEquals("ARM Cortex-A72", c.modelName());
        assertEquals(4, c.logicalCores());
        assertTrue(c.hasFlag("asimd") && c.hasFlag("crc32"));
        assertEquals("0xd08", c.identification().get("part"));
        assertEquals("3", c.identification().get("revision"));
        assertTrue(c.frequencyKHz().isEmpty());
    }

    @Test
    void unknownPartsAreNamedByNumberAndBoardHardwareIsKept() {
        String rpi = """
                processor\t: 0
                Features\t: fp asimd
                CPU implementer\t: 0x61
                CPU part\t: 0x022

                Hardware\t: BCM2711
                Serial\t\t: 100000001
                """;
        CpuInfo c = parse(rpi).orElseThrow();
        assertEquals("Apple", c.vendor());
        assertEquals("Apple part 0x022", c.modelName());
        assertEquals("BCM2711", c.identification().get("hardware"));
        assertEquals(1, c.logicalCores());
    }

    @Test
    void missingOrNonHexIdsAreMalformed() {
        assertTrue(malformed("processor : 0\nFeatures : fp\n").detail().contains("CPU implementer"));
        assertTrue(malformed("processor : 0\nCPU implementer : ARM\nCPU part : 0xd08\n").detail().contains("CPU implementer"));
    }

    @Test
    void garbageLinesAndRepeatedProcessorsAreMalformedAtTheirLine() {
        assertEquals(2, malformed("processor : 0\n\u0000\u0001binary\n").line());
        assertEquals(3, malformed("processor : 0\n\nprocessor : 0\n").line());
        assertTrue(malformed("Hardware : X\n").detail().contains("no processor"));
    }

    @Test
    void cpufreqMaximumIsReported() {
        var c = Arm64CpuInfoParser.parse(FakeArm64Host.captured("qemu-virt-a72-cpuinfo.txt"), "x", OptionalLong.of(1_500_000));
        assertEquals(1_500_000, c.orElseThrow().frequencyKHz().orElseThrow());
    }
}
