package dev.kosh.ipc.testing;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.kosh.api.Errno;
import dev.kosh.api.SysResult;

public final class Results {
    private Results() {
    }

    @SuppressWarnings("unchecked")
    public static <T> T ok(SysResult<T> r) {
        assertInstanceOf(SysResult.Ok.class, r, String.valueOf(r));
        return ((SysResult.Ok<T>) r).value();
    }

    public static Errno errno(SysResult<?> r) {
        return assertInstanceOf(SysResult.Err.class, r, String.valueOf(r)).errno();
    }
}
