package dev.kosh.hal;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A device that is not on an enumerable bus: a device-tree node on arm64, a
 * {@code /sys/bus/platform} device (ACPI or legacy) on x86.
 *
 * @param name       the node or device name ("uart@9000000", "serial8250")
 * @param compatible device-tree {@code compatible} strings, most specific first; for
 *                   non-device-tree devices the modalias, if any
 * @param registers  MMIO ranges the device occupies, in the parent bus's address space
 * @param driver     the host driver bound to it, if any
 * @param source     where it was found, for diagnostics
 */
public record PlatformDevice(String name, List<String> compatible, List<Register> registers,
                             Optional<String> driver, String source) {

    /** One {@code reg} entry. */
    public record Register(long start, long length) {}

    public PlatformDevice {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(source, "source");
        compatible = List.copyOf(compatible);
        registers = List.copyOf(registers);
    }
}
