package dev.kosh.driver;

import dev.kosh.api.Errno;

/** How starting one driver of a set ({@link DriverManager#startAll}) ended. */
public sealed interface LaunchOutcome {
    String driver();

    /** It runs. */
    record Started(DriverInfo info) implements LaunchOutcome {
        public String driver() {
            return info.name();
        }
    }

    /** It was started and did not come up (init failed, timed out, the bundle did not load). */
    record Failed(String driver, Errno errno, String message) implements LaunchOutcome {}

    /** It was not started: a dependency cycle, a requirement nobody provides, or a dependency that failed. */
    record Skipped(String driver, String reason) implements LaunchOutcome {}
}
