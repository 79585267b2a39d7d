package dev.kosh.hal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kosh.hal.spi.PlatformConformance;
import java.lang.foreign.Arena;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The contract must pass a correct platform and name each promise a broken one breaks. */
@Timeout(10)
class PlatformConformanceTest {

    /** An in-memory platform; {@code broken} makes it break every clause at once. */
    private static final class InMemoryPlatform implements PlatformInterface {
        private final boolean broken;
        private PageTableRoot active;

        InMemoryPlatform(boolean broken) {
            this.broken = broken;
        }

        public String architecture() {
            return "x86_64";
        }

        public CpuInfo getCpuInfo() {
            return new CpuInfo(broken ? "aarch64" : "x86_64", "GenuineIntel", broken ? " " : "Test CPU", 2, Set.of("sse2"),
                    OptionalLong.empty(), Map.of());
        }

        public MemoryMap getMemoryMap() {
            return new MemoryMap(List.of(new MemoryRegion(0, 1 << 20, broken ? RegionType.RESERVED : RegionType.USABLE, "RAM")), "mem");
        }

        public InterruptSetup setupInterrupts() {
            return broken ? new InterruptSetup.Uio(List.of()) : new InterruptSetup.Polled(List.of("vfio: none", "uio: none"));
        }

        public HalResult<MmuActivation> enableMmu(PageTableRoot root) {
            if (!broken && ((root.rootFrameAddress() & 0xfff) != 0 || root.rootFrameAddress() < 0
                    || root.levels() < 4 || root.levels() > 5)) {
                return HalResult.err(new HalError.InvalidArgument("root", "bad"));
            }
            PageTableRoot prev = active;
            active = root;
            return HalResult.ok(new MmuActivation(root, Optional.ofNullable(prev)));
        }

        public Optional<PageTableRoot> activePageTable() {
            return Optional.ofNullable(active);
        }

        public DeviceScan<PciDevice> scanPciDevices() {
            PciAddress a = new PciAddress(0, 0, 1, 0);
            List<PciBar> bars = broken
                    ? List.of(new PciBar(0, 0x1000, 0x1000, PciBar.IORESOURCE_MEM), new PciBar(1, 0x1800, 0x100, PciBar.IORESOURCE_MEM))
                    : List.of(new PciBar(0, 0x1000, 0x1000, PciBar.IORESOURCE_MEM));
            PciDevice d = new PciDevice(a, broken ? 0xffff : 0x8086, 0x1234, 0x020000, 0, 0, 0, bars, OptionalInt.empty(), Optional.empty());
            return new DeviceScan<>(broken ? List.of(d, d) : List.of(d), List.of());
        }

        public DeviceScan<PlatformDevice> scanPlatformDevices() {
            return new DeviceScan<>(List.of(new PlatformDevice(broken ? "" : "uart", List.of(), List.of(), Optional.empty(), "mem")), List.of());
        }

        public HalResult<MmioRegion> mapMmio(PciAddress address, int bar, Arena arena) {
            return HalResult.err(broken ? new HalError.IoFailure("x", "y") : new HalError.NotFound(address.toString()));
        }

        public PlatformCapabilities capabilities() {
            Map<Mechanism, Availability> m = new EnumMap<>(Mechanism.class);
            for (Mechanism x : PlatformConformance.REPORTED) m.put(x, new Availability.Absent(broken ? "" : "not here"));
            if (broken) m.remove(Mechanism.IO_URING);
            return new PlatformCapabilities(m);
        }
    }

    @Test
    void aCorrectPlatformKeepsEveryClause() {
        assertEquals(List.of(), PlatformConformance.check(new InMemoryPlatform(false)));
    }

    @Test
    void aBrokenPlatformBreaksEveryClauseAndEachIsNamed() {
        List<String> violations = PlatformConformance.check(new InMemoryPlatform(true));
        for (PlatformConformance.Clause c : PlatformConformance.clauses()) {
            assertTrue(violations.stream().anyMatch(v -> v.startsWith(c.name() + ": ")),
                    c.name() + " not reported in " + violations);
        }
    }
}
