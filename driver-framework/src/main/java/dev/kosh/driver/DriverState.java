package dev.kosh.driver;

import java.util.Locale;

/** Where a driver is in its life. */
public enum DriverState {
    STARTING, RUNNING,
    /** Faulted; a new instance is being started. Requests wait in the driver's channel meanwhile. */
    RESTARTING,
    FAILED, STOPPED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
