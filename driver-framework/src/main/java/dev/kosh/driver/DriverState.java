package dev.kosh.driver;

import java.util.Locale;

/** Where a driver is in its life. */
public enum DriverState {
    STARTING, RUNNING, FAILED, STOPPED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
