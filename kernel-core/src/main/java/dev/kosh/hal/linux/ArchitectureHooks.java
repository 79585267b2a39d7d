package dev.kosh.hal.linux;

import dev.kosh.hal.Availability;
import dev.kosh.hal.CpuInfo;
import dev.kosh.hal.DeviceScan;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.Mechanism;
import dev.kosh.hal.MemoryMap;
import dev.kosh.hal.PlatformDevice;
import dev.kosh.hal.spi.HostRoot;
import java.util.Map;

/**
 * The narrow hooks through which an architecture specialises {@link LinuxPlatform}:
 * only what genuinely differs between x86-64 and arm64 Linux. Implementations are
 * stateless and may be called from any thread.
 */
public interface ArchitectureHooks {

    /** "x86_64" or "aarch64". */
    String architecture();

    /** Parses this architecture's {@code /proc/cpuinfo} (and CPUID, frequency files). */
    HalResult<CpuInfo> readCpuInfo(HostRoot root);

    /** Reads the memory map from the sources this architecture has, in order of trust. */
    HalResult<MemoryMap> readMemoryMap(HostRoot root);

    /** Devices not on PCI: device-tree nodes, or the platform bus. */
    DeviceScan<PlatformDevice> scanPlatformDevices(HostRoot root);

    /** Whether a page-table hierarchy of {@code levels} levels is one this MMU could walk. */
    boolean supportsPageTableLevels(int levels);

    /** Mechanisms only this architecture has (CPUID device, device tree). */
    Map<Mechanism, Availability> probeArchitectureMechanisms(HostRoot root);
}
