package dev.kosh.hal.linux;

import dev.kosh.hal.Availability;
import dev.kosh.hal.CpuInfo;
import dev.kosh.hal.DeviceScan;
import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.InterruptSetup;
import dev.kosh.hal.Mechanism;
import dev.kosh.hal.MemoryMap;
import dev.kosh.hal.MmioRegion;
import dev.kosh.hal.MmuActivation;
import dev.kosh.hal.PageTableRoot;
import dev.kosh.hal.PciAddress;
import dev.kosh.hal.PciDevice;
import dev.kosh.hal.PlatformCapabilities;
import dev.kosh.hal.PlatformDevice;
import dev.kosh.hal.PlatformInterface;
import dev.kosh.hal.spi.HostRoot;
import java.lang.foreign.Arena;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@link PlatformInterface} on a Linux underlay, specialised by an architecture's
 * {@link ArchitectureHooks}. Immutable after {@link #open} except for the active page
 * table, which is one atomic reference.
 */
public final class LinuxPlatform implements PlatformInterface {

    private static final long PAGE_MASK = 0xfff;

    private final HostRoot root;
    private final ArchitectureHooks arch;
    private final CpuInfo cpu;
    private final MemoryMap memoryMap;
    private final PlatformCapabilities capabilities;
    private final AtomicReference<PageTableRoot> activeRoot = new AtomicReference<>();

    private LinuxPlatform(HostRoot root, ArchitectureHooks arch, CpuInfo cpu, MemoryMap memoryMap,
                          PlatformCapabilities capabilities) {
        this.root = root;
        this.arch = arch;
        this.cpu = cpu;
        this.memoryMap = memoryMap;
        this.capabilities = capabilities;
    }

    /**
     * Reads the host under {@code root}. Errors: the CPU description's or memory map's,
     * since the kernel cannot boot without either.
     */
    public static HalResult<PlatformInterface> open(HostRoot root, ArchitectureHooks arch) {
        return arch.readCpuInfo(root).flatMap(cpu -> arch.readMemoryMap(root).map(map -> {
            Map<Mechanism, Availability> m = new EnumMap<>(Mechanism.class);
            m.putAll(CapabilityProbe.probe(root));
            m.putAll(arch.probeArchitectureMechanisms(root));
            m.put(Mechanism.MEMORY_MAP, new Availability.Present(map.source()));
            return new LinuxPlatform(root, arch, cpu, map, new PlatformCapabilities(m));
        }));
    }

    public HostRoot root() {
        return root;
    }

    @Override
    public String architecture() {
        return arch.architecture();
    }

    @Override
    public CpuInfo getCpuInfo() {
        return cpu;
    }

    @Override
    public MemoryMap getMemoryMap() {
        return memoryMap;
    }

    @Override
    public InterruptSetup setupInterrupts() {
        return InterruptProbe.setup(root, capabilities);
    }

    @Override
    public HalResult<MmuActivation> enableMmu(PageTableRoot pageTable) {
        if (pageTable == null) {
            return HalResult.err(new HalError.InvalidArgument("root", "null"));
        }
        long frame = pageTable.rootFrameAddress();
        if (frame < 0 || (frame & PAGE_MASK) != 0) {
            return HalResult.err(new HalError.InvalidArgument("root",
                    String.format("root table address %#x is not a non-negative 4 KiB-aligned address", frame)));
        }
        if (!arch.supportsPageTableLevels(pageTable.levels())) {
            return HalResult.err(new HalError.InvalidArgument("root",
                    pageTable.levels() + "-level tables are not supported on " + arch.architecture()));
        }
        if (pageTable.addressSpaceId() < 0) {
            return HalResult.err(new HalError.InvalidArgument("root", "negative address-space id"));
        }
        PageTableRoot previous = activeRoot.getAndSet(pageTable);
        return HalResult.ok(new MmuActivation(pageTable, Optional.ofNullable(previous)));
    }

    @Override
    public Optional<PageTableRoot> activePageTable() {
        return Optional.ofNullable(activeRoot.get());
    }

    @Override
    public DeviceScan<PciDevice> scanPciDevices() {
        return SysfsPci.scan(root);
    }

    @Override
    public DeviceScan<PlatformDevice> scanPlatformDevices() {
        return arch.scanPlatformDevices(root);
    }

    @Override
    public HalResult<MmioRegion> mapMmio(PciAddress address, int bar, Arena arena) {
        return MmioMapper.map(root, address, bar, arena);
    }

    @Override
    public PlatformCapabilities capabilities() {
        return capabilities;
    }
}
