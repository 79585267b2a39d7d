package dev.kosh.driver.api;

/** A driver's answer: {@link Ok} with a payload, or {@link Failed} with the error. */
public sealed interface DriverResponse {

    record Ok(byte[] payload) implements DriverResponse {
        public Ok {
            payload = payload == null ? new byte[0] : payload.clone();
        }

        @Override
        public byte[] payload() {
            return payload.clone();
        }

        /** The payload's length, without copying it. */
        public int payloadLength() {
            return payload.length;
        }
    }

    record Failed(DriverError error) implements DriverResponse {
        public Failed {
            if (error == null) throw new IllegalArgumentException("error is required");
        }
    }

    static DriverResponse ok(byte[] payload) {
        return new Ok(payload);
    }

    static DriverResponse failed(DriverError.Code code, String message) {
        return new Failed(new DriverError(code, message));
    }
}
