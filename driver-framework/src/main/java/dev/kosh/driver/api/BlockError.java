package dev.kosh.driver.api;

import java.util.Objects;

/**
 * Why a block operation was refused or failed. Refusals ({@link Kind#MISALIGNED},
 * {@link Kind#OUT_OF_RANGE}, {@link Kind#NOT_DIRECT}, {@link Kind#READ_ONLY}, {@link Kind#QUEUE_FULL},
 * {@link Kind#BUSY}, {@link Kind#CLOSED}) happen before anything reaches the device; {@link Kind#IO} and
 * {@link Kind#SHORT_TRANSFER} are the device's answer to an operation it accepted.
 */
public record BlockError(Kind kind, String message) {
    public enum Kind {
        /** Offset, length or buffer address is not a whole number of blocks, or the length is 0. */
        MISALIGNED,
        /** The range does not lie inside the device. */
        OUT_OF_RANGE,
        /** The buffer is on the Java heap; transfers need a direct buffer ({@link BlockDevice#allocate}). */
        NOT_DIRECT,
        /** A read into a read-only buffer. */
        READ_ONLY,
        /** The queue depth is reached: await completions first. */
        QUEUE_FULL,
        /** A synchronous operation was asked for while asynchronous ones are outstanding. */
        BUSY,
        /** The device was closed. */
        CLOSED,
        /** The host reported an error (the message carries the errno). */
        IO,
        /** Fewer bytes moved than asked (the backing shrank under the device). */
        SHORT_TRANSFER
    }

    public BlockError {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(message, "message");
    }
}
