package dev.kosh.hal.arm64;

import dev.kosh.hal.Availability;
import dev.kosh.hal.CpuInfo;
import dev.kosh.hal.DeviceScan;
import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.Mechanism;
import dev.kosh.hal.MemoryMap;
import dev.kosh.hal.PlatformDevice;
import dev.kosh.hal.linux.ArchitectureHooks;
import dev.kosh.hal.linux.HostFiles;
import dev.kosh.hal.linux.MemoryMapReader;
import dev.kosh.hal.spi.HostRoot;
import java.util.Map;
import java.util.OptionalLong;

/** What arm64 Linux does differently; see the package description. */
public final class Arm64Hooks implements ArchitectureHooks {

    @Override
    public String architecture() {
        return "aarch64";
    }

    @Override
    public HalResult<CpuInfo> readCpuInfo(HostRoot root) {
        OptionalLong maxKHz = HostFiles.firstLine(root.sys("devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq"))
                .map(HostFiles::parseNumber).orElse(OptionalLong.empty());
        var file = root.proc("cpuinfo");
        return HostFiles.read(root, file).flatMap(text -> Arm64CpuInfoParser.parse(text, root.display(file), maxKHz));
    }

    /**
     * {@code /proc/iomem} (arm64 has no {@code /sys/firmware/memmap}); without root it
     * shows zeros, and then the device tree's memory nodes are the next best source.
     */
    @Override
    public HalResult<MemoryMap> readMemoryMap(HostRoot root) {
        return MemoryMapReader.firstOf(root, MemoryMapReader::iomem, r -> DeviceTree.find(r)
                .map(DeviceTree::memoryMap)
                .orElse(HalResult.err(new HalError.NotFound("/proc/device-tree"))));
    }

    @Override
    public DeviceScan<PlatformDevice> scanPlatformDevices(HostRoot root) {
        return DeviceTree.find(root).map(DeviceTree::platformDevices).orElse(DeviceScan.empty());
    }

    /** 4 KiB granule: 3 levels (39-bit VA), 4 (48-bit), or 5 with FEAT_LPA2 (52-bit). */
    @Override
    public boolean supportsPageTableLevels(int levels) {
        return levels >= 3 && levels <= 5;
    }

    @Override
    public Map<Mechanism, Availability> probeArchitectureMechanisms(HostRoot root) {
        return Map.of(Mechanism.DEVICE_TREE, DeviceTree.find(root)
                .<Availability>map(t -> new Availability.Present(t.location()))
                .orElse(new Availability.Absent("no /proc/device-tree or /sys/firmware/devicetree (an ACPI-only machine)")));
    }
}
