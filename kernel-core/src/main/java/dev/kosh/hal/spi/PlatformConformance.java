package dev.kosh.hal.spi;

import dev.kosh.hal.Availability;
import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.InterruptSetup;
import dev.kosh.hal.Mechanism;
import dev.kosh.hal.MemoryMap;
import dev.kosh.hal.MemoryRegion;
import dev.kosh.hal.MmuActivation;
import dev.kosh.hal.PageTableRoot;
import dev.kosh.hal.PciAddress;
import dev.kosh.hal.PciBar;
import dev.kosh.hal.PciDevice;
import dev.kosh.hal.PlatformDevice;
import dev.kosh.hal.PlatformInterface;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The contract every {@link dev.kosh.hal.PlatformInterface} meets, as data: each clause
 * checks one promise and returns its violations (empty when kept). Written once, run by
 * the tests of every provider against its fake trees and the live host; it does not
 * depend on a test framework so the kernel can run it at boot too.
 *
 * <p>The clauses call {@link PlatformInterface#enableMmu}, so run them on a platform that
 * is not in use.
 */
public final class PlatformConformance {

    /** One promise of the contract. */
    public record Clause(String name, Function<PlatformInterface, List<String>> check) {}

    /** Mechanisms every provider must report on, present or with a reason. */
    public static final Set<Mechanism> REPORTED = Set.of(Mechanism.DEV_MEM, Mechanism.VFIO, Mechanism.UIO,
            Mechanism.IO_URING, Mechanism.HUGEPAGES, Mechanism.CPUFREQ, Mechanism.POWER_SUPPLY);

    private PlatformConformance() {}

    public static List<Clause> clauses() {
        return List.of(
                new Clause("cpuDescribesAtLeastOneNamedCore", PlatformConformance::cpu),
                new Clause("memoryMapIsSortedDisjointAndHasUsableRam", PlatformConformance::memory),
                new Clause("pciDevicesHaveVendorIdsUniqueAddressesAndDisjointBars", PlatformConformance::pci),
                new Clause("platformDevicesAreNamed", PlatformConformance::platformDevices),
                new Clause("everyMechanismIsReportedWithAReasonWhenAbsent", PlatformConformance::capabilities),
                new Clause("interruptPathAgreesWithCapabilities", PlatformConformance::interrupts),
                new Clause("mmuAcceptsAlignedFourLevelRootAndRejectsBadOnes", PlatformConformance::mmu),
                new Clause("mmioMappingOfUnknownDeviceIsNotFound", PlatformConformance::mmioUnknown));
    }

    /** Every violation of every clause, each prefixed with the clause's name. */
    public static List<String> check(PlatformInterface p) {
        List<String> out = new ArrayList<>();
        for (Clause c : clauses()) {
            for (String v : c.check().apply(p)) {
                out.add(c.name() + ": " + v);
            }
        }
        return out;
    }

    private static List<String> cpu(PlatformInterface p) {
        List<String> v = new ArrayList<>();
        var cpu = p.getCpuInfo();
        if (!cpu.architecture().equals(p.architecture())) {
            v.add("cpu architecture " + cpu.architecture() + " differs from platform " + p.architecture());
        }
        if (cpu.logicalCores() < 1) v.add("no logical cores");
        if (cpu.vendor().isBlank()) v.add("blank vendor");
        if (cpu.modelName().isBlank()) v.add("blank model name");
        return v;
    }

    private static List<String> memory(PlatformInterface p) {
        List<String> v = new ArrayList<>();
        MemoryMap map = p.getMemoryMap();
        List<MemoryRegion> rs = map.regions();
        for (int i = 1; i < rs.size(); i++) {
            if (rs.get(i - 1).end() > rs.get(i).start()) v.add("regions overlap or are unsorted at " + rs.get(i));
        }
        if (map.usableBytes() <= 0) v.add("no usable RAM in map from " + map.source());
        return v;
    }

    private static List<String> pci(PlatformInterface p) {
        List<String> v = new ArrayList<>();
        Set<PciAddress> seen = new HashSet<>();
        for (PciDevice d : p.pciDevices()) {
            if (d.vendorId() == 0xffff || d.vendorId() == 0) v.add(d.address() + " has no vendor id");
            if (!seen.add(d.address())) v.add(d.address() + " listed twice");
            List<PciBar> bars = d.bars();
            for (int i = 0; i < bars.size(); i++) {
                for (int j = i + 1; j < bars.size(); j++) {
                    PciBar a = bars.get(i), b = bars.get(j);
                    if (a.isIo() == b.isIo() && a.start() < b.start() + b.length() && b.start() < a.start() + a.length()) {
                        v.add(d.address() + " BARs " + a.index() + " and " + b.index() + " overlap");
                    }
                }
            }
        }
        return v;
    }

    private static List<String> platformDevices(PlatformInterface p) {
        List<String> v = new ArrayList<>();
        for (PlatformDevice d : p.platformDevices()) {
            if (d.name().isBlank()) v.add("unnamed platform device from " + d.source());
        }
        return v;
    }

    private static List<String> capabilities(PlatformInterface p) {
        List<String> v = new ArrayList<>();
        for (Mechanism m : REPORTED) {
            if (!p.capabilities().mechanisms().containsKey(m)) {
                v.add(m + " not reported");
            } else if (p.capabilities().of(m) instanceof Availability.Absent(String reason) && reason.isBlank()) {
                v.add(m + " absent without a reason");
            }
        }
        return v;
    }

    private static List<String> interrupts(PlatformInterface p) {
        List<String> v = new ArrayList<>();
        var caps = p.capabilities();
        switch (p.setupInterrupts()) {
            case InterruptSetup.VfioEventfd vfio -> {
                if (!caps.has(Mechanism.VFIO)) v.add("chose VFIO though VFIO is reported absent");
            }
            case InterruptSetup.Uio uio -> {
                if (!caps.has(Mechanism.UIO)) v.add("chose UIO though UIO is reported absent");
                if (uio.devices().isEmpty()) v.add("chose UIO with no devices");
            }
            case InterruptSetup.Polled polled -> {
                if (polled.reasons().isEmpty()) v.add("fell back to polling without saying why");
                if (caps.has(Mechanism.VFIO) || caps.has(Mechanism.UIO)) {
                    v.add("fell back to polling though VFIO or UIO is present");
                }
            }
        }
        return v;
    }

    private record Root(long rootFrameAddress, int levels, int addressSpaceId) implements PageTableRoot {}

    private static List<String> mmu(PlatformInterface p) {
        List<String> v = new ArrayList<>();
        Root first = new Root(0x10_0000, 4, 1);
        Root second = new Root(0x20_0000, 4, 2);
        switch (p.enableMmu(first)) {
            case HalResult.Ok<MmuActivation>(MmuActivation a) -> {
                if (a.active() != first) v.add("activation reports a different root");
            }
            case HalResult.Err<MmuActivation>(HalError e) -> v.add("rejected an aligned 4-level root: " + e.message());
        }
        switch (p.enableMmu(second)) {
            case HalResult.Ok<MmuActivation>(MmuActivation a) -> {
                if (a.previous().orElse(null) != first) v.add("second activation does not report the first as previous");
            }
            case HalResult.Err<MmuActivation>(HalError e) -> v.add("rejected a second aligned root: " + e.message());
        }
        for (Root bad : List.of(new Root(0x10_0010, 4, 3), new Root(-4096, 4, 3), new Root(0x30_0000, 0, 3),
                new Root(0x30_0000, 9, 3))) {
            if (!(p.enableMmu(bad) instanceof HalResult.Err<MmuActivation>(HalError.InvalidArgument _))) {
                v.add("accepted or mis-typed the bad root " + bad);
            }
        }
        if (p.activePageTable().orElse(null) != second) v.add("a rejected root replaced the active one");
        return v;
    }

    private static List<String> mmioUnknown(PlatformInterface p) {
        List<String> v = new ArrayList<>();
        PciAddress nowhere = new PciAddress(0xfffe, 0xff, 0x1f, 7);
        try (Arena arena = Arena.ofConfined()) {
            if (!(p.mapMmio(nowhere, 0, arena) instanceof HalResult.Err<?>(HalError.NotFound _))) {
                v.add("mapping a device that does not exist did not say NotFound");
            }
        }
        return v;
    }
}
