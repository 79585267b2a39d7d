package dev.kosh.hal;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The processor as the underlay describes it.
 *
 * @param architecture   "x86_64" or "aarch64"
 * @param vendor         the vendor ("AuthenticAMD", "GenuineIntel", "ARM", ...)
 * @param modelName      the model as the host names it, or as decoded from the part number
 * @param logicalCores   logical processors the kernel may schedule on (at least 1)
 * @param flags          feature flags ({@code flags} on x86, {@code Features} on arm64), sorted
 * @param frequencyKHz   nominal or current clock in kHz, when the host tells
 * @param identification architecture-specific ids (family/model/stepping, implementer/part,
 *                       CPUID leaves), sorted by key
 */
public record CpuInfo(String architecture, String vendor, String modelName, int logicalCores,
                      Set<String> flags, OptionalLong frequencyKHz, Map<String, String> identification) {

    public CpuInfo {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(vendor, "vendor");
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(frequencyKHz, "frequencyKHz");
        if (logicalCores < 1) {
            throw new IllegalArgumentException("logicalCores must be at least 1, was " + logicalCores);
        }
        flags = Collections.unmodifiableSet(new TreeSet<>(flags));
        identification = Collections.unmodifiableMap(new TreeMap<>(identification));
    }

    public boolean hasFlag(String flag) {
        return flags.contains(flag);
    }
}
