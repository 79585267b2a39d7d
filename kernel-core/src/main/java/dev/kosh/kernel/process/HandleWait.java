package dev.kosh.kernel.process;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

import dev.kosh.api.Errno;
import dev.kosh.api.SysResult;
import dev.kosh.kernel.cap.Capability;

/**
 * Threads blocked on a process or thread object through a capability (wait for an exit, join a
 * thread). They wake when the awaited event happens and also when the capability they wait with
 * ends: a revoked or deleted handle ends the wait with its error at once, never by a timeout.
 *
 * <p>No lost wake-up: a waiter registers, then re-checks both conditions, then parks; a wake-up
 * that came in between leaves the thread's permit set, so the park returns at once.
 */
final class HandleWait {
    private final Map<Thread, Capability> waiters = new ConcurrentHashMap<>();

    /** Wakes every waiter (the event happened). Any thread; called under the space lock too, so it only unparks. */
    void wakeAll() {
        for (Thread t : waiters.keySet()) LockSupport.unpark(t);
    }

    /** Wakes the waiters using {@code c} (it ended). Under the space lock: only unparks. */
    void wake(Capability c) {
        for (Map.Entry<Thread, Capability> e : waiters.entrySet()) if (e.getValue() == c) LockSupport.unpark(e.getKey());
    }

    /**
     * Waits with {@code c} until {@code event} completes (its value), {@code c} ends (its error),
     * the timeout passes (TIMEOUT) or the thread is interrupted (thrown, as {@code waitFor} does).
     */
    <T> SysResult<T> await(Capability c, CompletableFuture<T> event, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Thread me = Thread.currentThread();
        waiters.put(me, c);
        try {
            while (true) {
                T value = event.getNow(null);
                if (value != null || event.isDone()) return SysResult.ok(value);
                if (!c.live()) return SysResult.err(c.endReason().errno(), "the handle " + c.endReason().text() + " while waiting for " + what);
                if (Thread.interrupted()) throw new InterruptedException();
                long left = deadline - System.nanoTime();
                if (left <= 0) return SysResult.err(Errno.TIMEOUT, what + " did not happen within " + timeout.toMillis() + " ms");
                LockSupport.parkNanos(this, left);
            }
        } finally {
            waiters.remove(me);
        }
    }
}
