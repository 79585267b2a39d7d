package dev.kosh.hal;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * What this host lets the HAL do: one {@link Availability} per {@link Mechanism}, each
 * absent one with its reason, so the boot log can say what Kosh fell back from.
 */
public record PlatformCapabilities(Map<Mechanism, Availability> mechanisms) {

    public PlatformCapabilities {
        Objects.requireNonNull(mechanisms, "mechanisms");
        EnumMap<Mechanism, Availability> copy = new EnumMap<>(Mechanism.class);
        copy.putAll(mechanisms);
        mechanisms = java.util.Collections.unmodifiableMap(copy);
    }

    /** The availability of {@code m}; a mechanism the provider did not probe is absent, saying so. */
    public Availability of(Mechanism m) {
        return mechanisms.getOrDefault(m, new Availability.Absent("not probed by this platform"));
    }

    public boolean has(Mechanism m) {
        return of(m).isPresent();
    }

    /** One line per mechanism, for the boot log. */
    public String describe() {
        return mechanisms.entrySet().stream()
                .map(e -> switch (e.getValue()) {
                    case Availability.Present(String d) -> "  + " + e.getKey().displayName() + ": " + d;
                    case Availability.Absent(String r) -> "  - " + e.getKey().displayName() + ": " + r;
                })
                .collect(Collectors.joining("\n"));
    }
}
