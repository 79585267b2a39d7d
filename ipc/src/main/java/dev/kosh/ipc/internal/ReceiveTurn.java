package dev.kosh.ipc.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Which server thread may take from an endpoint's queue (a multi-producer, single-consumer queue)
 * right now: a try-lock held only for one poll, never while waiting or parking. Any number of
 * threads may receive on an endpoint; they take turns at the queue. With one receiving thread (the
 * usual server) the turn is an uncontended CAS on a line no caller touches, where the MPMC queue it
 * replaces also CASed its consumer index and, besides, wrote a sequence word per slot that the
 * next caller had to read back: one cache line less crossing between the cores per call.
 *
 * <p>Padded on both sides (superclass fields are laid out first) so that the endpoint's fields the
 * callers read never share a line with it.
 */
final class ReceiveTurn extends ReceiveTurnFields {
    long q01, q02, q03, q04, q05, q06, q07;

    boolean tryTake() {
        return held == 0 && HELD.compareAndSet(this, 0, 1); // read first: a busy turn costs no CAS
    }

    /** Waits for the turn: for the strict checks (before parking, when the endpoint dies), where "busy" is not "empty". */
    void take() {
        while (!tryTake()) Thread.onSpinWait(); // the holder only polls once: a short wait
    }

    void release() {
        HELD.setRelease(this, 0); // what we polled (the consumer index) is published to the next holder
    }
}

abstract class ReceiveTurnPad {
    long p01, p02, p03, p04, p05, p06, p07, p08;
}

abstract class ReceiveTurnFields extends ReceiveTurnPad {
    static final VarHandle HELD;

    static {
        try {
            HELD = MethodHandles.lookup().findVarHandle(ReceiveTurnFields.class, "held", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    volatile int held;
}
