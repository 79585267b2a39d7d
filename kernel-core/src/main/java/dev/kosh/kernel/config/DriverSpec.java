package dev.kosh.kernel.config;

import java.util.Set;

/**
 * A driver the driver manager loads at boot (the phase "drivers"): the driver bundle's symbolic
 * name, its capability grants, and whether the boot fails without it.
 */
public record DriverSpec(String name, String bundle, Set<String> capabilities, boolean essential, int line) {
    public DriverSpec {
        capabilities = Set.copyOf(capabilities);
    }
}
