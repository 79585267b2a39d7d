package dev.kosh.ipc.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import dev.kosh.api.SysResult;

public final class Await {
    private Await() {
    }

    /** Waits until {@code call} fails (5 s at most). */
    public static void untilFails(String what, Supplier<SysResult<?>> call) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (call.get().isOk()) {
            if (System.nanoTime() - deadline > 0) fail("timed out waiting until " + what);
            LockSupport.parkNanos(1_000_000);
        }
    }

    public static void until(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) fail("timed out waiting until " + what);
            LockSupport.parkNanos(1_000_000);
        }
    }
}
