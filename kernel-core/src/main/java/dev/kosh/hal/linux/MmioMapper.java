package dev.kosh.hal.linux;

import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.Mechanism;
import dev.kosh.hal.MmioRegion;
import dev.kosh.hal.PciAddress;
import dev.kosh.hal.PciBar;
import dev.kosh.hal.PciDevice;
import dev.kosh.hal.spi.HostRoot;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Maps a PCI memory BAR into the kernel's address space: through sysfs
 * {@code resourceN} (the kernel checks the range belongs to the device), else through
 * {@code /dev/mem} at the BAR's bus address. Both are opened {@code O_SYNC} so the kernel
 * maps them uncached.
 */
public final class MmioMapper {

    private MmioMapper() {}

    public static HalResult<MmioRegion> map(HostRoot root, PciAddress address, int barIndex, Arena arena) {
        // Decode: the device, the BAR and its kind, before touching any mapping.
        Path dir = SysfsPci.devicesDir(root).resolve(address.toString());
        if (!Files.isDirectory(dir)) {
            return HalResult.err(new HalError.NotFound("PCI device " + address));
        }
        if (barIndex < 0 || barIndex >= PciBar.ROM_INDEX) {
            return HalResult.err(new HalError.InvalidArgument("bar", "BAR index must be 0..5, was " + barIndex));
        }
        return SysfsPci.read(root, dir).flatMap(device -> device.bar(barIndex)
                .<HalResult<MmioRegion>>map(bar -> bar.isMemory() ? invoke(root, device, bar, dir, arena)
                        : HalResult.err(new HalError.InvalidArgument("bar",
                                "BAR " + barIndex + " of " + address + " is not a memory BAR (flags " + Long.toHexString(bar.flags()) + ")")))
                .orElseGet(() -> HalResult.err(new HalError.NotFound("BAR " + barIndex + " of PCI device " + address))));
    }

    private static HalResult<MmioRegion> invoke(HostRoot root, PciDevice device, PciBar bar, Path dir, Arena arena) {
        Path resource = dir.resolve("resource" + bar.index());
        if (Files.exists(resource)) {
            return mapFile(root, resource, 0, device, bar, arena);
        }
        Path devMem = root.dev("mem");
        if (Files.exists(devMem)) {
            return mapFile(root, devMem, bar.start(), device, bar, arena);
        }
        return HalResult.err(new HalError.Unavailable(Mechanism.DEV_MEM, "cannot map BAR " + bar.index() + " of "
                + device.address() + ": sysfs has no " + root.display(resource)
                + " (this kernel does not expose it), and the host has no /dev/mem"));
    }

    private static HalResult<MmioRegion> mapFile(HostRoot root, Path file, long offset, PciDevice device, PciBar bar,
                                                 Arena arena) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.SYNC)) {
            // The mapping outlives the channel: it is released when the arena closes.
            MemorySegment segment = ch.map(FileChannel.MapMode.READ_WRITE, offset, bar.length(), arena);
            return HalResult.ok(new MmioRegion(device.address(), bar.index(), bar.start(), segment, root.display(file)));
        } catch (AccessDeniedException e) {
            return HalResult.err(new HalError.AccessDenied(root.display(file), "open for read-write refused"));
        } catch (IOException e) {
            return HalResult.err(new HalError.IoFailure(root.display(file), "mmap of " + bar.length() + " bytes at "
                    + offset + ": " + e.getMessage()));
        }
    }
}
