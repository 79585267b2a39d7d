package dev.kosh.driver;

import java.util.Objects;
import java.util.Set;

/** One driver of a set to start with {@link DriverManager#startAll}: what it is and how to run it. */
public record DriverLaunch(DriverDescriptor descriptor, Set<String> capabilities, boolean essential, Supervision supervision) {
    public DriverLaunch {
        Objects.requireNonNull(descriptor, "descriptor");
        Objects.requireNonNull(supervision, "supervision");
        capabilities = Set.copyOf(capabilities);
    }

    /** Default supervision, not essential. */
    public static DriverLaunch of(DriverDescriptor descriptor, Set<String> capabilities) {
        return new DriverLaunch(descriptor, capabilities, false, Supervision.DEFAULT);
    }
}
