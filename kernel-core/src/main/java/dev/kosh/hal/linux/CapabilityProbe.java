package dev.kosh.hal.linux;

import dev.kosh.hal.Availability;
import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.Mechanism;
import dev.kosh.hal.spi.HostRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Finds out which host mechanisms the HAL can use, by looking for them where Linux puts
 * them, and — for io_uring on the live host — by trying. Each absent mechanism gets the
 * reason a person would need to enable it.
 */
public final class CapabilityProbe {

    private CapabilityProbe() {}

    public static Map<Mechanism, Availability> probe(HostRoot root) {
        Map<Mechanism, Availability> m = new EnumMap<>(Mechanism.class);
        m.put(Mechanism.DEV_MEM, Files.exists(root.dev("mem"))
                ? new Availability.Present("/dev/mem (STRICT_DEVMEM still limits it to device ranges)")
                : new Availability.Absent("no /dev/mem device node on this host"));
        m.put(Mechanism.VFIO, vfio(root));
        List<String> uio = names(root.sys("class/uio"));
        m.put(Mechanism.UIO, uio.isEmpty()
                ? new Availability.Absent("no devices under /sys/class/uio (uio_pci_generic not loaded, or nothing bound to it)")
                : new Availability.Present(String.join(", ", uio)));
        m.put(Mechanism.IO_URING, ioUring(root));
        m.put(Mechanism.HUGEPAGES, hugepages(root));
        Path cpufreq = root.sys("devices/system/cpu/cpu0/cpufreq");
        m.put(Mechanism.CPUFREQ, Files.isDirectory(cpufreq)
                ? new Availability.Present("driver " + HostFiles.firstLine(cpufreq.resolve("scaling_driver")).orElse("unknown"))
                : new Availability.Absent("no /sys/devices/system/cpu/cpu0/cpufreq: no frequency-scaling driver (usual for virtual CPUs)"));
        List<String> supplies = names(root.sys("class/power_supply"));
        m.put(Mechanism.POWER_SUPPLY, supplies.isEmpty()
                ? new Availability.Absent("no entries under /sys/class/power_supply (no battery or AC adapter reported)")
                : new Availability.Present(String.join(", ", supplies)));
        m.put(Mechanism.PCI_SYSFS, Files.isDirectory(SysfsPci.devicesDir(root))
                ? new Availability.Present(names(SysfsPci.devicesDir(root)).size() + " functions under /sys/bus/pci/devices")
                : new Availability.Absent("no /sys/bus/pci/devices (no PCI bus, or sysfs not mounted)"));
        m.put(Mechanism.FIRMWARE_MEMMAP, Files.isDirectory(root.sys("firmware/memmap"))
                ? new Availability.Present("/sys/firmware/memmap")
                : new Availability.Absent("no /sys/firmware/memmap (kernel built without CONFIG_FIRMWARE_MEMMAP, or not x86)"));
        return m;
    }

    private static Availability vfio(HostRoot root) {
        if (!Files.exists(root.dev("vfio/vfio"))) {
            return new Availability.Absent("no /dev/vfio/vfio: the vfio modules are not loaded or the host has no IOMMU");
        }
        int groups = names(root.sys("kernel/iommu_groups")).size();
        if (groups == 0) {
            return new Availability.Absent("/dev/vfio/vfio exists but /sys/kernel/iommu_groups is empty: no IOMMU is enabled");
        }
        return new Availability.Present("/dev/vfio/vfio, " + groups + " IOMMU groups");
    }

    private static Availability ioUring(HostRoot root) {
        if (root.isLive()) {
            // The sysctl is not the whole story (seccomp, containers), so on the live host try it.
            return switch (IoUring.setup(1, root)) {
                case HalResult.Ok<IoUring>(IoUring ring) -> {
                    int features = ring.features();
                    ring.close();
                    yield new Availability.Present(String.format("io_uring_setup works (features %#x)", features));
                }
                case HalResult.Err<IoUring>(HalError e) -> new Availability.Absent(e.message());
            };
        }
        return HostFiles.firstLine(root.proc("sys/kernel/io_uring_disabled"))
                .<Availability>map(v -> v.equals("0")
                        ? new Availability.Present("io_uring_disabled is 0")
                        : new Availability.Absent("/proc/sys/kernel/io_uring_disabled is " + v))
                .orElse(new Availability.Absent("no /proc/sys/kernel/io_uring_disabled in this tree, and it is not the live host"));
    }

    private static Availability hugepages(HostRoot root) {
        Path dir = root.sys("kernel/mm/hugepages");
        List<String> sizes = names(dir);
        if (sizes.isEmpty()) {
            return new Availability.Absent("no /sys/kernel/mm/hugepages: kernel without CONFIG_HUGETLBFS");
        }
        return new Availability.Present(sizes.stream()
                .map(s -> s.replace("hugepages-", "") + " ("
                        + HostFiles.firstLine(dir.resolve(s).resolve("nr_hugepages")).orElse("?") + " reserved)")
                .collect(Collectors.joining(", ")));
    }

    /** Sorted entry names of a directory; empty when it is missing or unreadable. */
    static List<String> names(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            // A missing directory is how sysfs says "none".
            return List.of();
        }
    }
}
