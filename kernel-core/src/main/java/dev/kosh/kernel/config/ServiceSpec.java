package dev.kosh.kernel.config;

import java.util.List;
import java.util.Set;

import dev.kosh.kernel.process.Priority;
import dev.kosh.kernel.process.ProcessLimits;

/**
 * A service init starts at boot: the program it runs (a bundle's symbolic name), its arguments,
 * the services and drivers it starts after, its restart policy, priority, capability grants and quotas (the {@code [kernel]} defaults where the section sets none).
 * An essential service that fails to start fails the boot.
 */
public record ServiceSpec(String name, String program, List<String> args, List<String> after,
                          RestartPolicy restart, Priority priority, Set<String> capabilities,
                          boolean essential, ProcessLimits limits, int line) {
    public ServiceSpec {
        args = List.copyOf(args);
        after = List.copyOf(after);
        capabilities = Set.copyOf(capabilities);
    }
}
