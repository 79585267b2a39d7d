package dev.kosh.kernel.config;

import java.util.Set;

import dev.kosh.kernel.process.ProcessLimits;

/**
 * A driver the driver manager loads at boot (the phase "drivers"): the driver bundle's symbolic
 * name, its capability grants, whether the boot fails without it, and its quotas (the
 * {@code [kernel]} defaults where the section sets none). A driver that faults is always restarted;
 * {@code restart} bounds how often ({@code restart-limit}, default 5 in 60 s; its mode is unused).
 */
public record DriverSpec(String name, String bundle, Set<String> capabilities, boolean essential, ProcessLimits limits,
                         RestartPolicy restart, int line) {
    public DriverSpec {
        capabilities = Set.copyOf(capabilities);
    }
}
