package dev.kosh.driver;

import java.util.Objects;

/**
 * The outcome of reading a driver manifest header: the value, or why not — which header, which
 * entry of it, and what is wrong — so {@code insdrv} can tell the author exactly what to fix.
 */
public sealed interface Parsed<T> {

    record Ok<T>(T value) implements Parsed<T> {
        public Ok {
            Objects.requireNonNull(value, "value");
        }
    }

    record Invalid<T>(String header, String entry, String reason) implements Parsed<T> {
        public Invalid {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(entry, "entry");
            Objects.requireNonNull(reason, "reason");
        }

        public String message() {
            return header + ": '" + entry + "': " + reason;
        }

        /** The same error, typed for another value. */
        public <U> Invalid<U> cast() {
            return new Invalid<>(header, entry, reason);
        }
    }

    /** The value, for callers that already know it parsed (tests). */
    default T orThrow() {
        return switch (this) {
            case Ok<T>(T v) -> v;
            case Invalid<T> bad -> throw new IllegalArgumentException(bad.message());
        };
    }
}
