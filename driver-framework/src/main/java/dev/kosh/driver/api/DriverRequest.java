package dev.kosh.driver.api;

import java.util.Objects;

/**
 * A request to a driver: an operation name and an opaque payload (copied on the way in and out,
 * so neither side can change the other's bytes). {@code idempotent} says whether the kernel may
 * replay it after a driver restart.
 */
public record DriverRequest(String operation, byte[] payload, boolean idempotent) {
    public DriverRequest {
        Objects.requireNonNull(operation, "operation");
        payload = payload == null ? new byte[0] : payload.clone();
    }

    public static DriverRequest of(String operation, byte[] payload) {
        return new DriverRequest(operation, payload, false);
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    public int payloadLength() {
        return payload.length;
    }
}
