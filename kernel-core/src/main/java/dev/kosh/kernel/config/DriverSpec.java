package dev.kosh.kernel.config;

import java.util.Optional;
import java.util.Set;

import dev.kosh.kernel.process.ProcessLimits;

/**
 * A driver the driver manager loads at boot (the phase "drivers"): the driver bundle's symbolic
 * name, its capability grants, whether the boot fails without it, and its quotas (the
 * {@code [kernel]} defaults where the section sets none). A driver that faults is always restarted;
 * {@code restart} bounds how often ({@code restart-limit}, default 5 in 60 s; its mode is unused).
 * {@code block} is the block device the section grants the driver ({@code block.*} keys), if any.
 */
public record DriverSpec(String name, String bundle, Set<String> capabilities, boolean essential, ProcessLimits limits,
                         RestartPolicy restart, int line, Optional<BlockBackingSpec> block, Optional<java.time.Duration> requestDeadline) {
    public DriverSpec {
        capabilities = Set.copyOf(capabilities);
        java.util.Objects.requireNonNull(block, "block");
        java.util.Objects.requireNonNull(requestDeadline, "requestDeadline");
    }

    /** A driver with the driver manager's default request deadline. */
    public DriverSpec(String name, String bundle, Set<String> capabilities, boolean essential, ProcessLimits limits,
                      RestartPolicy restart, int line, Optional<BlockBackingSpec> block) {
        this(name, bundle, capabilities, essential, limits, restart, line, block, Optional.empty());
    }

    /** A driver granted no block device. */
    public DriverSpec(String name, String bundle, Set<String> capabilities, boolean essential, ProcessLimits limits,
                      RestartPolicy restart, int line) {
        this(name, bundle, capabilities, essential, limits, restart, line, Optional.empty());
    }
}
