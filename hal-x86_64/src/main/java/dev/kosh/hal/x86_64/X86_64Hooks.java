package dev.kosh.hal.x86_64;

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
import dev.kosh.hal.linux.SysfsPlatformBus;
import dev.kosh.hal.spi.HostRoot;
import java.util.Map;
import java.util.OptionalLong;

/** What x86-64 Linux does differently; see the package description. */
public final class X86_64Hooks implements ArchitectureHooks {

    @Override
    public String architecture() {
        return "x86_64";
    }

    /**
     * {@code /proc/cpuinfo}, with CPUID leaves from CPU 0 when the device exists (their
     * absence is not an error: the cpuid module is optional) and the cpufreq maximum when
     * a frequency driver exists.
     */
    @Override
    public HalResult<CpuInfo> readCpuInfo(HostRoot root) {
        Map<String, String> cpuid = switch (CpuidDevice.with(root, 0, CpuidDevice::identify)) {
            case HalResult.Ok<Map<String, String>>(Map<String, String> m) -> m;
            case HalResult.Err<Map<String, String>>(HalError e) -> Map.of();
        };
        OptionalLong maxKHz = HostFiles.firstLine(root.sys("devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq"))
                .map(HostFiles::parseNumber).orElse(OptionalLong.empty());
        var file = root.proc("cpuinfo");
        return HostFiles.read(root, file).flatMap(text -> X86CpuInfoParser.parse(text, root.display(file), maxKHz, cpuid));
    }

    /** The firmware's e820 table first: /proc/iomem is Linux's edited view of it. */
    @Override
    public HalResult<MemoryMap> readMemoryMap(HostRoot root) {
        return MemoryMapReader.firstOf(root, MemoryMapReader::firmwareMemmap, MemoryMapReader::iomem);
    }

    @Override
    public DeviceScan<PlatformDevice> scanPlatformDevices(HostRoot root) {
        return SysfsPlatformBus.scan(root);
    }

    /** 4-level paging, or 5-level with LA57. */
    @Override
    public boolean supportsPageTableLevels(int levels) {
        return levels == 4 || levels == 5;
    }

    @Override
    public Map<Mechanism, Availability> probeArchitectureMechanisms(HostRoot root) {
        return Map.of(Mechanism.CPUID, switch (CpuidDevice.with(root, 0, d -> d.leaf(0, 0))) {
            case HalResult.Ok<CpuidDevice.Leaf>(CpuidDevice.Leaf l) ->
                    new Availability.Present("/dev/cpu/*/cpuid, max leaf 0x" + Integer.toHexString(l.eax()));
            case HalResult.Err<CpuidDevice.Leaf>(HalError e) -> new Availability.Absent(e.message());
        });
    }
}
