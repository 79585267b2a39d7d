package dev.kosh.driver;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a driver bundle's manifest says about its driver: its name, the bundle, the devices it
 * drives ({@code Kosh-Driver-Match}), what it needs ({@code Kosh-Driver-Requires}) and what it
 * offers others ({@code Kosh-Driver-Provides}; a driver always provides its own name).
 */
public record DriverDescriptor(String name, String bundle, List<MatchRule> matches, Set<String> requires, Set<String> provides) {
    public DriverDescriptor {
        if (name == null || name.isBlank() || bundle == null || bundle.isBlank()) {
            throw new IllegalArgumentException("a driver descriptor needs a name and a bundle");
        }
        matches = List.copyOf(matches);
        requires = Set.copyOf(requires);
        Set<String> p = new LinkedHashSet<>(provides);
        p.add(name);
        provides = Set.copyOf(p);
        if (requires.stream().anyMatch(provides::contains)) {
            throw new IllegalArgumentException("driver " + name + " requires what it provides itself");
        }
    }

    /** A driver of no hardware that needs nothing: what the old {@code start(name, bundle, ...)} implies. */
    public static DriverDescriptor of(String name, String bundle) {
        return new DriverDescriptor(name, bundle, List.of(), Set.of(), Set.of());
    }
}
