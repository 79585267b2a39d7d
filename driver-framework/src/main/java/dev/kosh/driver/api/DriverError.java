package dev.kosh.driver.api;

/** Why a driver could not do something. */
public record DriverError(Code code, String message) {
    public enum Code {
        /** The driver has no such operation. */
        NOT_SUPPORTED,
        /** The request is malformed for its operation. */
        INVALID_REQUEST,
        /** The device reported an error or is absent. */
        DEVICE_ERROR,
        /** The driver is busy or a resource is exhausted; retry later. */
        BUSY,
        /** The driver did not answer in time. */
        TIMEOUT,
        /** The driver is not running (stopped, failed or being restarted). */
        UNAVAILABLE,
        /** The driver faulted while serving the request. */
        FAULT
    }

    public DriverError {
        if (code == null || message == null) throw new IllegalArgumentException("code and message are required");
    }
}
