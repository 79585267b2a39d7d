package dev.kosh.hal;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Optional;

/**
 * The machine, as the kernel sees it. One instance per boot, obtained from
 * {@link Platforms#detect()}.
 *
 * <p>Opening a platform is the <em>decode</em> step: the provider reads and validates the
 * CPU description and the memory map, and fails with a typed {@link HalError} if either
 * is unusable, so {@link #getCpuInfo()} and {@link #getMemoryMap()} cannot fail. Device
 * enumeration re-reads the host each time (devices come and go) and reports each device
 * that did not parse instead of failing the scan.
 *
 * <p>Threads: every method may be called from any kernel thread. {@link #enableMmu} is
 * atomic with respect to {@link #activePageTable()}.
 */
public interface PlatformInterface {

    /** "x86_64" or "aarch64". */
    String architecture();

    /** The processor, as read when the platform was opened. */
    CpuInfo getCpuInfo();

    /** The physical memory map, normalised, as read when the platform was opened. */
    MemoryMap getMemoryMap();

    /**
     * Chooses the interrupt delivery path this host allows: VFIO eventfds, UIO, or polling
     * with the reasons the others were refused. Never fails: polling always works.
     */
    InterruptSetup setupInterrupts();

    /**
     * Makes {@code root} the active page-table root (the software CR3/TTBR0).
     * Errors: {@link HalError.InvalidArgument} when the root is unaligned, negative or has
     * a number of levels the architecture does not support.
     */
    HalResult<MmuActivation> enableMmu(PageTableRoot root);

    /** The root made active by the last successful {@link #enableMmu}, if any. */
    Optional<PageTableRoot> activePageTable();

    /** Enumerates PCI functions. A host without PCI gives an empty scan. */
    DeviceScan<PciDevice> scanPciDevices();

    /** The PCI functions that parsed; see {@link #scanPciDevices()} for the ones that did not. */
    default List<PciDevice> pciDevices() {
        return scanPciDevices().devices();
    }

    /** Enumerates devices not on an enumerable bus (device tree nodes, platform bus). */
    DeviceScan<PlatformDevice> scanPlatformDevices();

    default List<PlatformDevice> platformDevices() {
        return scanPlatformDevices().devices();
    }

    /**
     * Maps memory BAR {@code bar} of the PCI function at {@code address}, for the lifetime
     * of {@code arena}. Tries the sysfs {@code resourceN} file, then {@code /dev/mem}.
     * Errors: {@link HalError.NotFound} (no such device or BAR),
     * {@link HalError.InvalidArgument} (an I/O-port BAR),
     * {@link HalError.Unavailable} (the host offers neither path, with both reasons),
     * {@link HalError.AccessDenied}, {@link HalError.IoFailure}.
     */
    HalResult<MmioRegion> mapMmio(PciAddress address, int bar, Arena arena);

    /** Which host mechanisms are usable, each absent one with its reason. */
    PlatformCapabilities capabilities();
}
