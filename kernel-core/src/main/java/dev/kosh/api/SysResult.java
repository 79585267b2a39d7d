package dev.kosh.api;

/**
 * The outcome of a system call: {@link Ok} with a value, or {@link Err} with an {@link Errno}
 * and a message that says what was wrong. Switch over it, or call {@link #orThrow()}.
 */
public sealed interface SysResult<T> {

    record Ok<T>(T value) implements SysResult<T> {}

    record Err<T>(Errno errno, String message) implements SysResult<T> {
        public Err {
            if (errno == null || message == null) throw new IllegalArgumentException("errno and message are required");
        }
    }

    static <T> SysResult<T> ok(T value) {
        return new Ok<>(value);
    }

    static <T> SysResult<T> err(Errno errno, String message) {
        return new Err<>(errno, message);
    }

    default boolean isOk() {
        return this instanceof Ok<T>;
    }

    /** The value, or a {@link KoshException} carrying the error. */
    default T orThrow() {
        return switch (this) {
            case Ok<T> ok -> ok.value();
            case Err<T> err -> throw new KoshException(err.errno(), err.message());
        };
    }
}
