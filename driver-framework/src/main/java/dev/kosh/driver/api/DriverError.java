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
        FAULT,
        /**
         * The driver was restarted while the request was in flight, and the request was not
         * replayed because it is not idempotent: it may or may not have taken effect.
         */
        RESTARTED
    }

    public DriverError {
        if (code == null || message == null) throw new IllegalArgumentException("code and message are required");
    }
}
