package dev.kosh.kernel.process;

import java.util.Set;
import java.util.TreeSet;

/**
 * The capabilities a process was granted at spawn: those its program declares
 * ({@code Kosh-Capabilities}) that the policy in {@code system.conf} also allows. Nothing
 * undeclared is ever granted.
 *
 * <p>Capability names known to the kernel today: {@code console}, {@code log}, {@code spawn},
 * {@code publish}.
 */
public record CapabilitySet(Set<String> names) {
    public static final CapabilitySet NONE = new CapabilitySet(Set.of());

    public CapabilitySet {
        names = Set.copyOf(names);
    }

    /** Declared ∩ allowed. */
    public static CapabilitySet grant(Set<String> declared, Set<String> allowed) {
        Set<String> granted = new TreeSet<>(declared);
        granted.retainAll(allowed);
        return new CapabilitySet(granted);
    }

    public boolean has(String name) {
        return names.contains(name);
    }

    @Override
    public String toString() {
        return String.join(",", new TreeSet<>(names));
    }
}
