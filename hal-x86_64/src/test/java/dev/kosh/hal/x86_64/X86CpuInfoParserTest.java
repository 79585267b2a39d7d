package dev.kosh.hal.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kosh.hal.CpuInfo;
import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class X86CpuInfoParserTest {

    private static final String CAPTURED = FakeX86Host.captured("amd-epyc-cpuinfo.txt");

    private static HalResult<CpuInfo> parse(String text) {
        return X86CpuInfoParser.parse(text, "/proc/cpuinfo", OptionalLong.empty(), Map.of());
    }

    private static HalError.Malformed malformed(String text) {
        return assertInstanceOf(HalError.Malformed.class, ((HalResult.Err<CpuInfo>) parse(text)).error());
    }

    @Test
    void capturedEpycDescribesTwoCoresWithVendorModelFlagsAndClock() {
        CpuInfo c = parse(CAPTURED).orElseThrow();
        assertEquals("AuthenticAMD", c.vendor());
        assertEquals("AMD EPYC", c.modelName());
        assertEquals(2, c.logicalCores());
        assertTrue(c.hasFlag("avx2") && c.hasFlag("lm") && !c.hasFlag(""));
        assertEquals(2_596_130, c.frequencyKHz().orElseThrow());
        assertEquals("25", c.identification().get("cpu family"));
    }

    @Test
    void cpufreqMaximumIsPreferredOverTheMomentaryMhz() {
        var c = X86CpuInfoParser.parse(CAPTURED, "x", OptionalLong.of(3_500_000), Map.of()).orElseThrow();
        assertEquals(3_500_000, c.frequencyKHz().orElseThrow());
    }

    @Test
    void missingModelNameFallsBackToTheCpuidBrandString() {
        String text = "processor : 0\nvendor_id : GenuineIntel\n";
        var c = X86CpuInfoParser.parse(text, "x", OptionalLong.empty(), Map.of("cpuid.brand", "Intel Xeon")).orElseThrow();
        assertEquals("Intel Xeon", c.modelName());
        assertTrue(c.frequencyKHz().isEmpty());
    }

    @Test
    void lineWithoutColonIsMalformedAtItsLine() {
        assertEquals(3, malformed("processor : 0\nvendor_id : X\ngarbage here\n").line());
    }

    @Test
    void repeatedOrNonNumericProcessorNumbersAreMalformed() {
        assertTrue(malformed("processor : 0\nmodel name : A\nvendor_id : V\n\nprocessor : 0\n").detail().contains("twice"));
        assertTrue(malformed("processor : zero\n").detail().contains("not an integer"));
    }

    @Test
    void emptyTruncatedOrVendorlessFilesAreMalformedNotCrashes() {
        assertTrue(malformed("").detail().contains("no processor"));
        assertTrue(malformed("vendor_id : X\n").detail().contains("without a 'processor'"));
        assertTrue(malformed("processor : 0\nmodel name : A\n").detail().contains("vendor"));
        assertTrue(malformed("processor : 0\nvendor_id : V\nmodel name : A\ncpu MHz : fast\n").detail().contains("cpu MHz"));
        assertInstanceOf(HalResult.Err.class, parse(CAPTURED.substring(0, 7)));
    }
}
