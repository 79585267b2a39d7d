package dev.kosh.hal.linux;

import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.Mechanism;
import dev.kosh.hal.MemoryMap;
import dev.kosh.hal.MemoryRegion;
import dev.kosh.hal.RegionType;
import dev.kosh.hal.spi.HostRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Reads the physical memory map from the underlay.
 *
 * <p>{@code /sys/firmware/memmap} is the firmware's own table (e820 on x86), before Linux
 * trimmed it: one directory per entry with {@code start}, {@code end} (inclusive) and
 * {@code type}. {@code /proc/iomem} is Linux's resource tree; its top-level lines
 * ("start-end : name", no indentation) cover the same ranges plus device windows.
 * Without root, {@code /proc/iomem} shows every address as zero: that is reported as
 * {@link HalError.Unavailable}, never as an empty map.
 */
public final class MemoryMapReader {

    public static final String FIRMWARE_MEMMAP = "/sys/firmware/memmap";
    public static final String IOMEM = "/proc/iomem";

    private MemoryMapReader() {}

    /** Tries each reader in order; returns the first map, or the error of the last. */
    @SafeVarargs
    public static HalResult<MemoryMap> firstOf(HostRoot root, java.util.function.Function<HostRoot, HalResult<MemoryMap>>... readers) {
        List<String> tried = new ArrayList<>();
        for (var reader : readers) {
            HalResult<MemoryMap> r = reader.apply(root);
            switch (r) {
                case HalResult.Ok<MemoryMap> ok -> { return ok; }
                case HalResult.Err<MemoryMap>(HalError.Malformed m) -> { return r; }
                case HalResult.Err<MemoryMap>(HalError e) -> tried.add(e.message());
            }
        }
        return HalResult.err(new HalError.Unavailable(Mechanism.MEMORY_MAP, String.join("; ", tried)));
    }

    public static HalResult<MemoryMap> firmwareMemmap(HostRoot root) {
        Path dir = root.sys("firmware/memmap");
        List<Path> entries;
        try (Stream<Path> s = Files.list(dir)) {
            entries = s.sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        } catch (NoSuchFileException e) {
            return HalResult.err(new HalError.NotFound(FIRMWARE_MEMMAP));
        } catch (IOException e) {
            return HalResult.err(new HalError.IoFailure(FIRMWARE_MEMMAP, String.valueOf(e.getMessage())));
        }
        List<MemoryRegion> raw = new ArrayList<>();
        for (Path entry : entries) {
            var start = HostFiles.readNumber(root, entry.resolve("start"));
            var end = HostFiles.readNumber(root, entry.resolve("end"));
            var type = HostFiles.read(root, entry.resolve("type"));
            if (start instanceof HalResult.Err<Long>(HalError e)) return HalResult.err(e);
            if (end instanceof HalResult.Err<Long>(HalError e)) return HalResult.err(e);
            if (type instanceof HalResult.Err<String>(HalError e)) return HalResult.err(e);
            long s = start.orElseThrow(), en = end.orElseThrow();
            if (en < s || en == Long.MAX_VALUE) {
                return HalResult.err(new HalError.Malformed(root.display(entry), 0,
                        String.format("end %#x before start %#x", en, s)));
            }
            String label = type.orElseThrow().strip();
            raw.add(new MemoryRegion(s, en - s + 1, firmwareType(label), label));
        }
        if (raw.isEmpty()) {
            return HalResult.err(new HalError.Malformed(FIRMWARE_MEMMAP, 0, "no entries"));
        }
        return HalResult.ok(MemoryMap.normalise(raw, FIRMWARE_MEMMAP));
    }

    public static HalResult<MemoryMap> iomem(HostRoot root) {
        return HostFiles.read(root, root.proc("iomem")).flatMap(MemoryMapReader::parseIomem);
    }

    /** Parses the text of {@code /proc/iomem}. */
    public static HalResult<MemoryMap> parseIomem(String text) {
        List<MemoryRegion> raw = new ArrayList<>();
        boolean anyNonZero = false;
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank() || Character.isWhitespace(line.charAt(0))) continue;   // nested resource
            int colon = line.indexOf(" : ");
            int dash = line.indexOf('-');
            if (colon < 0 || dash < 0 || dash > colon) {
                return HalResult.err(new HalError.Malformed(IOMEM, i + 1, "expected 'start-end : name', got '" + line + "'"));
            }
            OptionalLong s = HostFiles.parseNumber("0x" + line.substring(0, dash));
            OptionalLong e = HostFiles.parseNumber("0x" + line.substring(dash + 1, colon));
            if (s.isEmpty() || e.isEmpty() || e.getAsLong() < s.getAsLong() || e.getAsLong() == Long.MAX_VALUE) {
                return HalResult.err(new HalError.Malformed(IOMEM, i + 1, "bad address range in '" + line + "'"));
            }
            if (s.getAsLong() != 0 || e.getAsLong() != 0) anyNonZero = true;
            String label = line.substring(colon + 3).strip();
            raw.add(new MemoryRegion(s.getAsLong(), e.getAsLong() - s.getAsLong() + 1, iomemType(label), label));
        }
        if (raw.isEmpty()) {
            return HalResult.err(new HalError.Malformed(IOMEM, 0, "no top-level entries"));
        }
        if (!anyNonZero) {
            return HalResult.err(new HalError.Unavailable(Mechanism.MEMORY_MAP,
                    IOMEM + " shows every address as 0: reading it needs CAP_SYS_ADMIN (root)"));
        }
        return HalResult.ok(MemoryMap.normalise(raw, IOMEM));
    }

    /** Firmware type names (drivers/firmware/memmap.c, e820 names); unknown ones are kept out of use. */
    static RegionType firmwareType(String label) {
        return switch (label) {
            case "System RAM" -> RegionType.USABLE;
            case "ACPI Tables" -> RegionType.ACPI_RECLAIMABLE;
            case "ACPI Non-volatile Storage" -> RegionType.ACPI_NVS;
            case "Unusable memory" -> RegionType.UNUSABLE;
            case "Persistent Memory", "Persistent Memory (legacy)" -> RegionType.PERSISTENT;
            default -> RegionType.RESERVED;
        };
    }

    /** Top-level {@code /proc/iomem} names: RAM and firmware names as above, everything else a device window. */
    static RegionType iomemType(String label) {
        if (label.equalsIgnoreCase("reserved") || label.equals("Soft Reserved") || label.contains("ROM")) {
            return RegionType.RESERVED;
        }
        RegionType t = firmwareType(label);
        return t == RegionType.RESERVED ? RegionType.DEVICE : t;
    }
}
