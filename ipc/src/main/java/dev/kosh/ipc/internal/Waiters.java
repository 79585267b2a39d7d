package dev.kosh.ipc.internal;

import java.lang.invoke.VarHandle;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Threads parked on one side of a kernel object. A waiter {@link #add}s itself, re-checks its
 * condition, parks, and {@link #remove}s itself; a waker makes the condition true and then calls
 * {@link #wakeAll}. Both sides issue a full fence between their write and their read (the waiter:
 * add, fence, re-check; the waker: publish, fence, look for waiters), so at least one of them sees
 * the other: no wake-up is lost.
 *
 * <p>Threads: any.
 */
public final class Waiters {
    private final Set<Thread> parked = ConcurrentHashMap.newKeySet();

    public void add(Thread t) {
        parked.add(t);
        VarHandle.fullFence(); // StoreLoad: our registration is visible before we re-check the condition
    }

    public void remove(Thread t) {
        parked.remove(t);
    }

    /** Wakes every parked waiter; each re-checks its own condition. */
    public void wakeAll() {
        VarHandle.fullFence(); // StoreLoad: the waker's publication is visible before it reads the set
        if (parked.isEmpty()) return;
        for (Thread t : parked) LockSupport.unpark(t);
    }

    /**
     * {@link #wakeAll} for a waker whose publication was itself an atomic read-modify-write (a
     * queue's index CAS): that is already the store the waiter's re-check reads, ordered before
     * our read of the set (volatile accesses are totally ordered), so no extra fence is needed.
     */
    public void wakeAllAfterAtomicPublish() {
        if (parked.isEmpty()) return;
        for (Thread t : parked) LockSupport.unpark(t);
    }

    public boolean isEmpty() {
        return parked.isEmpty();
    }
}
