package dev.kosh.hal.x86_64;

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
 * Parses x86 {@code /proc/cpuinfo}: one block of "key : value" lines per logical
 * processor, blocks separated by blank lines. The first block names the vendor, model
 * and flags (Linux reports the same for every processor of a machine).
 */
public final class X86CpuInfoParser {

    private X86CpuInfoParser() {}

    /**
     * @param text         the file's contents
     * @param source       the path, for error messages
     * @param cpufreqKHz   the cpufreq maximum, preferred over "cpu MHz" when present
     * @param cpuid        CPUID facts already decoded, merged into the identification
     */
    public static HalResult<CpuInfo> parse(String text, String source, OptionalLong cpufreqKHz, Map<String, String> cpuid) {
        List<Map<String, String>> processors = new ArrayList<>();
        Map<String, String> block = new LinkedHashMap<>();
        Set<Long> numbers = new HashSet<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i <= lines.length; i++) {
            String line = i < lines.length ? lines[i] : "";
            if (line.isBlank()) {
                if (!block.isEmpty()) {
                    if (!block.containsKey("processor")) {
                        return HalResult.err(new HalError.Malformed(source, i, "block without a 'processor' line"));
                    }
                    processors.add(block);
                    block = new LinkedHashMap<>();
                }
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                return HalResult.err(new HalError.Malformed(source, i + 1, "expected 'key : value', got '" + line.strip() + "'"));
            }
            String key = line.substring(0, colon).strip(), value = line.substring(colon + 1).strip();
            if (key.equals("processor")) {
                try {
                    if (!numbers.add(Long.parseLong(value))) {
                        return HalResult.err(new HalError.Malformed(source, i + 1, "processor " + value + " listed twice"));
                    }
                } catch (NumberFormatException e) {
                    return HalResult.err(new HalError.Malformed(source, i + 1, "processor number '" + value + "' is not an integer"));
                }
            }
            block.put(key, value);
        }
        if (processors.isEmpty()) {
            return HalResult.err(new HalError.Malformed(source, 0, "no processor entries"));
        }
        Map<String, String> first = processors.getFirst();
        String vendor = first.getOrDefault("vendor_id", cpuid.getOrDefault("cpuid.vendor", ""));
        if (vendor.isEmpty()) {
            return HalResult.err(new HalError.Malformed(source, 0, "no vendor_id, and no CPUID to ask"));
        }
        String model = first.getOrDefault("model name", cpuid.getOrDefault("cpuid.brand", ""));
        if (model.isEmpty()) {
            return HalResult.err(new HalError.Malformed(source, 0, "no 'model name', and no CPUID brand string"));
        }
        OptionalLong freq = cpufreqKHz;
        if (freq.isEmpty() && first.containsKey("cpu MHz")) {
            try {
                freq = OptionalLong.of(Math.round(Double.parseDouble(first.get("cpu MHz")) * 1000));
            } catch (NumberFormatException e) {
                return HalResult.err(new HalError.Malformed(source, 0, "'cpu MHz' is not a number: " + first.get("cpu MHz")));
            }
        }
        Set<String> flags = new HashSet<>(List.of(first.getOrDefault("flags", "").split("\\s+")));
        flags.remove("");
        Map<String, String> ident = new TreeMap<>(cpuid);
        for (String k : List.of("cpu family", "model", "stepping", "microcode", "address sizes")) {
            if (first.containsKey(k)) ident.put(k, first.get(k));
        }
        return HalResult.ok(new CpuInfo("x86_64", vendor, model, processors.size(), flags, freq, ident));
    }
}
