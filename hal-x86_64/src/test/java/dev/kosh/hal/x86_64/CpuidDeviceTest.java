package dev.kosh.hal.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.spi.HostRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class CpuidDeviceTest {

    @Test
    void decodesVendorFamilyModelAndBrandFromTheLeaves() {
        // Leaf 1 EAX 0x00a10f11: base family 0xf + extended 0xa = 25; extended model 1, model 1 = 17.
        Map<Integer, CpuidDevice.Leaf> leaves = Map.of(
                0, new CpuidDevice.Leaf(0x10, FakeX86Host.chars("Auth"), FakeX86Host.chars("cAMD"), FakeX86Host.chars("enti")),
                1, new CpuidDevice.Leaf(0x00a1_0f11, 0, 0, 0),
                0x8000_0000, new CpuidDevice.Leaf(0x8000_0004, 0, 0, 0),
                0x8000_0002, new CpuidDevice.Leaf(FakeX86Host.chars("AMD "), FakeX86Host.chars("EPYC"),
                        FakeX86Host.chars(" 7R1"), FakeX86Host.chars("3   ")),
                0x8000_0003, new CpuidDevice.Leaf(0, 0, 0, 0),
                0x8000_0004, new CpuidDevice.Leaf(0, 0, 0, 0));
        Map<String, String> id = CpuidDevice.of((leaf, sub) -> HalResult.ok(leaves.get(leaf))).identify().orElseThrow();
        assertEquals("AuthenticAMD", id.get("cpuid.vendor"));
        assertEquals("25", id.get("cpuid.family"));
        assertEquals("17", id.get("cpuid.model"));
        assertEquals("1", id.get("cpuid.stepping"));
        assertEquals("AMD EPYC 7R13", id.get("cpuid.brand"));
    }

    @Test
    void aFailingLeafFailsIdentificationWithItsError() {
        HalError eio = new HalError.IoFailure("cpuid leaf 1", "EIO");
        var r = CpuidDevice.of((leaf, sub) -> leaf == 0 ? HalResult.ok(new CpuidDevice.Leaf(1, 0, 0, 0)) : HalResult.err(eio))
                .identify();
        assertEquals(eio, ((HalResult.Err<Map<String, String>>) r).error());
    }

    @Test
    void truncatedDeviceFileIsATypedErrorAndAMissingOneIsNotFound(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("dev/cpu/0"));
        Files.write(dir.resolve("dev/cpu/0/cpuid"), new byte[10]);
        var r = CpuidDevice.with(HostRoot.at(dir), 0, d -> d.leaf(0, 0));
        assertInstanceOf(HalError.Malformed.class, ((HalResult.Err<CpuidDevice.Leaf>) r).error());
        var missing = CpuidDevice.with(HostRoot.at(dir), 1, d -> d.leaf(0, 0));
        assertInstanceOf(HalError.NotFound.class, ((HalResult.Err<CpuidDevice.Leaf>) missing).error());
    }

    @Test
    void liveCpuidAgreesWithProcCpuinfo() {
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/cpu/0/cpuid")), "no /dev/cpu/0/cpuid on this host (cpuid module not loaded)");
        var cpu = new X86_64Hooks().readCpuInfo(HostRoot.live()).orElseThrow();
        var id = cpu.identification();
        assertEquals(cpu.vendor(), id.get("cpuid.vendor"));
        assertEquals(id.get("cpu family"), id.get("cpuid.family"));
        assertEquals(id.get("model"), id.get("cpuid.model"));
    }
}
