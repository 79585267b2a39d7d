package dev.kosh.driver.api;

import java.util.Optional;

/**
 * A device driver, after the design's {@code KoshDriver} trait. A driver bundle names its
 * implementation in the {@code Kosh-Driver-Class} header (and its name in {@code Kosh-Driver});
 * the driver manager runs it as a process in driver space and feeds it requests one at a time,
 * on that process's thread, so a driver needs no locking of its own.
 */
public interface KoshDriver {

    /** Brings the device up; an error here means the driver does not start. */
    Optional<DriverError> init();

    /**
     * Brings the device up, knowing which devices the manager bound to this driver and their
     * resources. The manager calls this one; by default it ignores the context and calls
     * {@link #init()}, so drivers of no hardware implement only that.
     */
    default Optional<DriverError> init(DriverContext context) {
        return init();
    }

    /** Serves one request. Must not throw: a throw is a driver fault, and the driver is isolated. */
    DriverResponse handleRequest(DriverRequest request);

    /** Releases the device. Called once, when the driver stops. */
    void cleanup();

    /** What the driver offers. */
    DriverCapabilities getCapabilities();
}
