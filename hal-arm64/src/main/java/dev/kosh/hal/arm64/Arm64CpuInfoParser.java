package dev.kosh.hal.arm64;

import dev.kosh.hal.CpuInfo;
import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * Parses arm64 {@code /proc/cpuinfo}: one block per processor with {@code Features},
 * {@code CPU implementer}, {@code CPU part}, variant and revision, and optionally a
 * trailing block without a processor number ({@code Hardware}, {@code Revision},
 * {@code Serial} on some boards). The kernel prints no model name: it is decoded from
 * the implementer and part numbers (MIDR_EL1).
 */
public final class Arm64CpuInfoParser {

    private Arm64CpuInfoParser() {}

    private static final Map<Integer, String> IMPLEMENTERS = Map.ofEntries(
            Map.entry(0x41, "ARM"), Map.entry(0x42, "Broadcom"), Map.entry(0x43, "Cavium"), Map.entry(0x46, "Fujitsu"),
            Map.entry(0x48, "HiSilicon"), Map.entry(0x4e, "NVIDIA"), Map.entry(0x50, "APM"), Map.entry(0x51, "Qualcomm"),
            Map.entry(0x53, "Samsung"), Map.entry(0x61, "Apple"), Map.entry(0x6d, "Microsoft"), Map.entry(0xc0, "Ampere"));

    private static final Map<Integer, String> ARM_PARTS = Map.ofEntries(
            Map.entry(0xd03, "Cortex-A53"), Map.entry(0xd04, "Cortex-A35"), Map.entry(0xd05, "Cortex-A55"),
            Map.entry(0xd07, "Cortex-A57"), Map.entry(0xd08, "Cortex-A72"), Map.entry(0xd09, "Cortex-A73"),
            Map.entry(0xd0a, "Cortex-A75"), Map.entry(0xd0b, "Cortex-A76"), Map.entry(0xd0c, "Neoverse-N1"),
            Map.entry(0xd0d, "Cortex-A77"), Map.entry(0xd40, "Neoverse-V1"), Map.entry(0xd41, "Cortex-A78"),
            Map.entry(0xd44, "Cortex-X1"), Map.entry(0xd46, "Cortex-A510"), Map.entry(0xd47, "Cortex-A710"),
            Map.entry(0xd48, "Cortex-X2"), Map.entry(0xd49, "Neoverse-N2"), Map.entry(0xd4f, "Neoverse-V2"));

    public static HalResult<CpuInfo> parse(String text, String source, OptionalLong cpufreqKHz) {
        List<Map<String, String>> processors = new ArrayList<>();
        Map<String, String> global = new LinkedHashMap<>();
        Map<String, String> block = new LinkedHashMap<>();
        Set<String> numbers = new HashSet<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i <= lines.length; i++) {
            String line = i < lines.length ? lines[i] : "";
            if (line.isBlank()) {
                if (block.containsKey("processor")) processors.add(block);
                else global.putAll(block);
                block = new LinkedHashMap<>();
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                return HalResult.err(new HalError.Malformed(source, i + 1, "expected 'key : value', got '" + line.strip() + "'"));
            }
            String key = line.substring(0, colon).strip(), value = line.substring(colon + 1).strip();
            if (key.equals("processor") && (!value.matches("\\d+") || !numbers.add(value))) {
                return HalResult.err(new HalError.Malformed(source, i + 1, "bad or repeated processor number '" + value + "'"));
            }
            block.put(key, value);
        }
        if (processors.isEmpty()) {
            return HalResult.err(new HalError.Malformed(source, 0, "no processor entries"));
        }
        Map<String, String> first = processors.getFirst();
        Integer implementer = hex(first.get("CPU implementer"));
        Integer part = hex(first.get("CPU part"));
        if (implementer == null || part == null) {
            return HalResult.err(new HalError.Malformed(source, 0,
                    "first processor lacks a hex 'CPU implementer' or 'CPU part' (got " + first.get("CPU implementer")
                            + ", " + first.get("CPU part") + ")"));
        }
        String vendor = IMPLEMENTERS.getOrDefault(implementer, String.format("implementer 0x%02x", implementer));
        String partName = implementer == 0x41 ? ARM_PARTS.get(part) : null;
        String model = partName != null ? vendor + " " + partName
                : first.getOrDefault("model name", String.format("%s part 0x%03x", vendor, part));
        Set<String> flags = new HashSet<>(List.of(first.getOrDefault("Features", "").split("\\s+")));
        flags.remove("");
        Map<String, String> ident = new TreeMap<>();
        ident.put("implementer", String.format("0x%02x", implementer));
        ident.put("part", String.format("0x%03x", part));
        for (String k : List.of("CPU variant", "CPU revision", "CPU architecture")) {
            if (first.containsKey(k)) ident.put(k.substring(4), first.get(k));
        }
        if (global.containsKey("Hardware")) ident.put("hardware", global.get("Hardware"));
        return HalResult.ok(new CpuInfo("aarch64", vendor, model, processors.size(), flags, cpufreqKHz, ident));
    }

    private static Integer hex(String s) {
        if (s == null || !s.matches("0[xX][0-9a-fA-F]{1,8}")) return null;
        return Integer.parseUnsignedInt(s.substring(2), 16);
    }
}
