package dev.kosh.kernel.config;

import java.util.Map;

/**
 * Every section's {@link MemoryQuota}: the {@code [kernel]} default and the services' and
 * drivers' own (a section that sets neither key inherits the default; one that sets one key
 * inherits the other).
 */
public record MemoryQuotas(MemoryQuota defaults, Map<String, MemoryQuota> services, Map<String, MemoryQuota> drivers) {

    /** The built-in default for everyone. */
    public static final MemoryQuotas DEFAULT = new MemoryQuotas(MemoryQuota.DEFAULT, Map.of(), Map.of());

    public MemoryQuotas {
        if (defaults == null) throw new IllegalArgumentException("default memory quota required");
        services = Map.copyOf(services);
        drivers = Map.copyOf(drivers);
    }

    /** The quota of {@code [service NAME]}, else the default. */
    public MemoryQuota forService(String name) {
        return services.getOrDefault(name, defaults);
    }

    /** The quota of {@code [driver NAME]}, else the default. */
    public MemoryQuota forDriver(String name) {
        return drivers.getOrDefault(name, defaults);
    }
}
