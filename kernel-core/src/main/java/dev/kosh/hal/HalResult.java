package dev.kosh.hal;

import java.util.Objects;
import java.util.function.Function;

/**
 * The outcome of a HAL operation that can fail: either the value or a typed
 * {@link HalError}. Callers switch over it exhaustively; no HAL operation throws for a
 * condition of the host (a missing file, a forbidden mechanism, a malformed table).
 *
 * @param <T> the value on success
 */
public sealed interface HalResult<T> {

    /** The operation succeeded. */
    record Ok<T>(T value) implements HalResult<T> {
        public Ok {
            Objects.requireNonNull(value, "value");
        }
    }

    /** The operation failed; {@code error} says how. */
    record Err<T>(HalError error) implements HalResult<T> {
        public Err {
            Objects.requireNonNull(error, "error");
        }
    }

    static <T> HalResult<T> ok(T value) {
        return new Ok<>(value);
    }

    static <T> HalResult<T> err(HalError error) {
        return new Err<>(error);
    }

    default <U> HalResult<U> map(Function<? super T, ? extends U> f) {
        return switch (this) {
            case Ok<T>(T v) -> new Ok<>(f.apply(v));
            case Err<T>(HalError e) -> new Err<>(e);
        };
    }

    default <U> HalResult<U> flatMap(Function<? super T, HalResult<U>> f) {
        return switch (this) {
            case Ok<T>(T v) -> f.apply(v);
            case Err<T>(HalError e) -> new Err<>(e);
        };
    }

    default boolean isOk() {
        return this instanceof Ok<T>;
    }

    /**
     * The value, for callers that have already decided a failure is a bug (tests, boot
     * code that cannot continue without it).
     *
     * @throws IllegalStateException with the error's message if this is an {@link Err}
     */
    default T orElseThrow() {
        return switch (this) {
            case Ok<T>(T v) -> v;
            case Err<T>(HalError e) -> throw new IllegalStateException(e.message());
        };
    }
}
