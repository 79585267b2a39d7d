package dev.kosh.driver;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import dev.kosh.hal.CpuInfo;
import dev.kosh.hal.DeviceScan;
import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.InterruptSetup;
import dev.kosh.hal.MemoryMap;
import dev.kosh.hal.MmioRegion;
import dev.kosh.hal.MmuActivation;
import dev.kosh.hal.PageTableRoot;
import dev.kosh.hal.PciAddress;
import dev.kosh.hal.PciBar;
import dev.kosh.hal.PciDevice;
import dev.kosh.hal.PlatformCapabilities;
import dev.kosh.hal.PlatformDevice;
import dev.kosh.hal.PlatformInterface;

/** Devices for tests, and a simulated platform whose MMIO is plain memory. */
final class Hardware {
    private Hardware() {}

    static PciDevice pci(int slot, int vendor, int device, int classCode) {
        return pci(slot, vendor, device, classCode, List.of(new PciBar(0, 0xfe00_0000L + slot * 0x10_0000L, 0x1000, PciBar.IORESOURCE_MEM)),
                OptionalInt.of(10 + slot));
    }

    static PciDevice pci(int slot, int vendor, int device, int classCode, List<PciBar> bars, OptionalInt irq) {
        return new PciDevice(new PciAddress(0, 0, slot, 0), vendor, device, classCode, 0, 0, 0, bars, irq, Optional.empty());
    }

    static PlatformDevice platform(String name, String... compatible) {
        return new PlatformDevice(name, List.of(compatible), List.of(new PlatformDevice.Register(0x900_0000, 0x1000)),
                Optional.empty(), "test");
    }

    static DriverDescriptor driver(String name, String match) {
        return new DriverDescriptor(name, "b." + name, DriverManifest.parseMatches(match).orThrow(), java.util.Set.of(), java.util.Set.of());
    }

    /** A platform with fixed devices; {@code mapMmio} hands out memory and records which BAR was asked for. */
    static class SimulatedPlatform implements PlatformInterface {
        final List<PciDevice> pci;
        final List<PlatformDevice> platform;
        final List<String> mapped = new ArrayList<>();
        final List<HalError> rejected;

        SimulatedPlatform(List<PciDevice> pci, List<PlatformDevice> platform, List<HalError> rejected) {
            this.pci = pci;
            this.platform = platform;
            this.rejected = rejected;
        }

        public String architecture() {
            return "x86_64";
        }

        public CpuInfo getCpuInfo() {
            throw new UnsupportedOperationException();
        }

        public MemoryMap getMemoryMap() {
            throw new UnsupportedOperationException();
        }

        public InterruptSetup setupInterrupts() {
            throw new UnsupportedOperationException();
        }

        public HalResult<MmuActivation> enableMmu(PageTableRoot root) {
            throw new UnsupportedOperationException();
        }

        public Optional<PageTableRoot> activePageTable() {
            return Optional.empty();
        }

        public DeviceScan<PciDevice> scanPciDevices() {
            return new DeviceScan<>(pci, rejected);
        }

        public DeviceScan<PlatformDevice> scanPlatformDevices() {
            return new DeviceScan<>(platform, List.of());
        }

        public synchronized HalResult<MmioRegion> mapMmio(PciAddress address, int bar, Arena arena) {
            mapped.add(address + "/" + bar);
            return pci.stream().filter(d -> d.address().equals(address)).findFirst().flatMap(d -> d.bar(bar))
                    .<HalResult<MmioRegion>>map(b -> HalResult.ok(new MmioRegion(address, bar, b.start(), arena.allocate(b.length()), "simulated")))
                    .orElse(HalResult.err(new HalError.NotFound(address + " BAR " + bar)));
        }

        public PlatformCapabilities capabilities() {
            throw new UnsupportedOperationException();
        }
    }
}
