package dev.kosh.hal.linux;

import dev.kosh.hal.DeviceScan;
import dev.kosh.hal.PlatformDevice;
import dev.kosh.hal.spi.HostRoot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Lists {@code /sys/bus/platform/devices}: the devices Linux found through ACPI or legacy
 * probing (serial ports, RTC, keyboard controller). Registers are not listed in sysfs,
 * so none are reported; a driver that needs them gets them from ACPI later.
 */
public final class SysfsPlatformBus {

    private SysfsPlatformBus() {}

    public static DeviceScan<PlatformDevice> scan(HostRoot root) {
        Path dir = root.sys("bus/platform/devices");
        List<PlatformDevice> devices = new ArrayList<>();
        for (String name : CapabilityProbe.names(dir)) {
            Path d = dir.resolve(name);
            List<String> modalias = HostFiles.firstLine(d.resolve("modalias")).filter(s -> !s.isEmpty())
                    .map(List::of).orElse(List.of());
            devices.add(new PlatformDevice(name, modalias, List.of(), HostFiles.linkName(d.resolve("driver")),
                    root.display(d)));
        }
        return new DeviceScan<>(devices, List.of());
    }
}
