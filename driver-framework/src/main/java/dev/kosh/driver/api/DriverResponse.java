package dev.kosh.driver.api;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** A driver's answer: {@link Ok} with a payload, or {@link Failed} with the error. */
public sealed interface DriverResponse {

    /**
     * A successful answer. Its payload is its own: copied in when it is made (a driver cannot
     * change an answer after giving it) and copied out by {@link #payload()} (a client cannot
     * change it for anyone else). A class, not a record, so that {@link #okFrom(ByteBuffer)} copies
     * once, straight from the driver's buffer.
     */
    final class Ok implements DriverResponse {
        private static final byte[] EMPTY = new byte[0];
        private final byte[] payload;

        /** An answer with a copy of {@code payload} (null: empty). */
        public Ok(byte[] payload) {
            this(payload == null ? EMPTY : payload.clone(), true);
        }

        private Ok(byte[] owned, boolean owns) { // takes {@code owned} as it is: for the factories, which made it
            this.payload = owned;
        }

        /** A copy of the payload. */
        public byte[] payload() {
            return payload.clone();
        }

        /** The payload's length, without copying it. */
        public int payloadLength() {
            return payload.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Ok other && Arrays.equals(payload, other.payload);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            return "Ok[" + payload.length + " bytes]";
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

    /** An answer with the bytes of {@code data} from its position to its limit, copied once (its position is not moved). */
    static DriverResponse okFrom(ByteBuffer data) {
        byte[] copy = new byte[data.remaining()];
        data.get(data.position(), copy);
        return new Ok(copy, true);
    }

    static DriverResponse failed(DriverError.Code code, String message) {
        return new Failed(new DriverError(code, message));
    }
}
