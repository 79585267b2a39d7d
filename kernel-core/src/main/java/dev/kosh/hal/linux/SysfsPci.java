package dev.kosh.hal.linux;

import dev.kosh.hal.DeviceScan;
import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.PciAddress;
import dev.kosh.hal.PciBar;
import dev.kosh.hal.PciDevice;
import dev.kosh.hal.spi.HostRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Enumerates PCI functions from {@code /sys/bus/pci/devices}: one directory per function,
 * named by its address, holding {@code vendor}, {@code device}, {@code class},
 * {@code subsystem_*}, {@code revision}, {@code irq}, a {@code resource} table (one
 * "start end flags" line per BAR, then the ROM and bridge windows) and a {@code driver}
 * link. {@code vendor}, {@code device} and {@code class} are required; the rest are
 * optional because some kernels and virtual buses omit them.
 */
public final class SysfsPci {

    private SysfsPci() {}

    public static Path devicesDir(HostRoot root) {
        return root.sys("bus/pci/devices");
    }

    public static DeviceScan<PciDevice> scan(HostRoot root) {
        Path dir = devicesDir(root);
        List<Path> entries;
        try (Stream<Path> s = Files.list(dir)) {
            entries = s.sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        } catch (NoSuchFileException e) {
            return DeviceScan.empty();
        } catch (IOException e) {
            return new DeviceScan<>(List.of(), List.of(new HalError.IoFailure(root.display(dir), String.valueOf(e.getMessage()))));
        }
        List<PciDevice> devices = new ArrayList<>();
        List<HalError> rejected = new ArrayList<>();
        for (Path entry : entries) {
            switch (read(root, entry)) {
                case HalResult.Ok<PciDevice>(PciDevice d) -> devices.add(d);
                case HalResult.Err<PciDevice>(HalError e) -> rejected.add(e);
            }
        }
        return new DeviceScan<>(devices, rejected);
    }

    /** Reads one function's directory. */
    public static HalResult<PciDevice> read(HostRoot root, Path dir) {
        return PciAddress.parse(dir.getFileName().toString()).flatMap(address -> {
            var vendor = HostFiles.readNumber(root, dir.resolve("vendor"));
            var device = HostFiles.readNumber(root, dir.resolve("device"));
            var klass = HostFiles.readNumber(root, dir.resolve("class"));
            for (var r : List.of(vendor, device, klass)) {
                if (r instanceof HalResult.Err<Long>(HalError e)) return HalResult.err(e);
            }
            long v = vendor.orElseThrow(), d = device.orElseThrow(), c = klass.orElseThrow();
            if (v > 0xffff || d > 0xffff || c > 0xff_ffff) {
                return HalResult.err(new HalError.Malformed(root.display(dir), 0,
                        String.format("ids out of range: vendor %#x device %#x class %#x", v, d, c)));
            }
            var bars = readBars(root, dir.resolve("resource"));
            if (bars instanceof HalResult.Err<List<PciBar>>(HalError e)) return HalResult.err(e);
            OptionalInt irq = HostFiles.firstLine(dir.resolve("irq")).map(HostFiles::parseNumber)
                    .filter(OptionalLong::isPresent).map(OptionalLong::getAsLong)
                    .filter(n -> n > 0 && n <= Integer.MAX_VALUE)
                    .map(n -> OptionalInt.of(n.intValue())).orElse(OptionalInt.empty());
            Optional<String> driver = HostFiles.linkName(dir.resolve("driver"));
            return HalResult.ok(new PciDevice(address, (int) v, (int) d, (int) c,
                    optionalId(dir.resolve("revision")), optionalId(dir.resolve("subsystem_vendor")),
                    optionalId(dir.resolve("subsystem_device")), bars.orElseThrow(), irq, driver));
        });
    }

    private static int optionalId(Path file) {
        return (int) HostFiles.firstLine(file).map(HostFiles::parseNumber)
                .filter(OptionalLong::isPresent).map(OptionalLong::getAsLong)
                .filter(n -> n <= 0xffff).orElse(0L).longValue();
    }

    /**
     * Parses the {@code resource} table. Lines 0..5 are BARs, line 6 the expansion ROM;
     * bridge windows and SR-IOV BARs that follow are not the function's own registers.
     * An all-zero line is an unimplemented BAR. A missing table means no BARs.
     */
    static HalResult<List<PciBar>> readBars(HostRoot root, Path file) {
        if (!Files.exists(file)) return HalResult.ok(List.of());
        return HostFiles.read(root, file).flatMap(text -> {
            List<PciBar> bars = new ArrayList<>();
            String[] lines = text.split("\n");
            for (int i = 0; i < lines.length && i <= PciBar.ROM_INDEX; i++) {
                String line = lines[i].strip();
                if (line.isEmpty()) continue;
                String[] f = line.split("\\s+");
                if (f.length != 3) {
                    return HalResult.err(new HalError.Malformed(root.display(file), i + 1,
                            "expected 'start end flags', got '" + line + "'"));
                }
                OptionalLong start = HostFiles.parseNumber(f[0]), end = HostFiles.parseNumber(f[1]),
                        flags = HostFiles.parseNumber(f[2]);
                if (start.isEmpty() || end.isEmpty() || flags.isEmpty()) {
                    return HalResult.err(new HalError.Malformed(root.display(file), i + 1, "not hex numbers: '" + line + "'"));
                }
                long s = start.getAsLong(), e = end.getAsLong();
                if (s == 0 && e == 0) continue;
                if (e < s) {
                    return HalResult.err(new HalError.Malformed(root.display(file), i + 1,
                            String.format("end %#x before start %#x", e, s)));
                }
                bars.add(new PciBar(i, s, e - s + 1, flags.getAsLong()));
            }
            return HalResult.ok(bars);
        });
    }
}
