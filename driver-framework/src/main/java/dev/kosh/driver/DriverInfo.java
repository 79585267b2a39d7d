package dev.kosh.driver;

import dev.kosh.driver.api.DriverCapabilities;

/** A row of {@code lsdrv}. {@code pid} is 0 when the driver has no process. */
public record DriverInfo(String name, String bundle, int pid, DriverState state, long requests, long faults,
                         int restarts, boolean essential, DriverCapabilities capabilities, String lastError) {}
