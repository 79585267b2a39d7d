package dev.kosh.ipc.internal;

import org.jctools.queues.MpscArrayQueue;

import dev.kosh.api.Errno;
import dev.kosh.api.ObjectType;
import dev.kosh.api.Right;
import dev.kosh.kernel.cap.Capability;
import dev.kosh.kernel.cap.CapabilitySpace;
import dev.kosh.kernel.cap.EndReason;
import dev.kosh.kernel.cap.KernelObject;

/**
 * A synchronous rendezvous: clients {@code call}, servers {@code receive} and {@code reply}.
 * Queued calls wait in a bounded lock-free MPSC queue (many clients); the server threads take
 * turns at its consumer side ({@link ReceiveTurn}, held for one poll). The endpoint is served while some capability to it has RECEIVE; when the last one ends
 * (the server exited, deleted or lost it) the endpoint is dead and every queued caller gets
 * DEAD_PEER at once.
 */
public final class Endpoint extends KernelObject {
    final MpscArrayQueue<PendingCall> queue;
    private final ReceiveTurn turn = new ReceiveTurn();
    final Waiters receivers = new Waiters();
    final Waiters callers = new Waiters();
    private final CapabilitySpace space;
    private final IpcObjects registry;
    private volatile boolean dead;
    private int receiveCapabilities; // guarded by the space lock
    volatile int lastServerPid;
    final java.util.concurrent.atomic.LongAdder calls = new java.util.concurrent.atomic.LongAdder();

    public long callsReceived() {
        return calls.sum();
    }

    Endpoint(CapabilitySpace space, IpcObjects registry, int queueCapacity) {
        super(ObjectType.ENDPOINT);
        this.space = space;
        this.registry = registry;
        this.queue = new MpscArrayQueue<>(queueCapacity);
    }

    /**
     * The next queued call, or null. Spinning ({@code strict} false): a relaxed poll, which reads
     * only the slot (not the index every caller writes), and null when another thread has the turn.
     * Strict (about to park, or the endpoint dies): waits for the turn and does not miss a call
     * whose offer is under way.
     */
    PendingCall poll(boolean strict) {
        if (strict) {
            turn.take();
        } else if (queue.relaxedPeek() == null || !turn.tryTake()) {
            return null; // nothing there, or another receiver is polling (it parks only after a strict poll of its own)
        }
        try {
            return strict ? queue.poll() : queue.relaxedPoll();
        } finally {
            turn.release();
        }
    }

    public boolean dead() {
        return dead;
    }

    public int queued() {
        return queue.size();
    }

    @Override
    protected void capabilityAdded(Capability c) {
        if (c.has(Right.RECEIVE)) receiveCapabilities++;
    }

    @Override
    protected void capabilityRemoved(Capability c, EndReason reason) {
        if (c.has(Right.RECEIVE) && --receiveCapabilities == 0) die();
        // A revoked capability may be in use by a blocked caller or receiver: let them re-check.
        callers.wakeAll();
        receivers.wakeAll();
    }

    @Override
    protected void destroyed() {
        die();
        registry.remove(this);
    }

    /** No server can ever receive again: fail every queued call. Under the space lock. */
    private void die() {
        if (dead) return;
        dead = true; // volatile: a caller that enqueues after this sees it on its re-check
        PendingCall pc;
        while ((pc = poll(true)) != null) {
            if (pc.fail(PendingCall.QUEUED, Errno.DEAD_PEER, describe() + " has no server any more")) {
                for (Capability c : pc.carried) space.discard(c);
            }
        }
        callers.wakeAll();
        receivers.wakeAll();
    }

    @Override
    public String describe() {
        int server = lastServerPid;
        return "endpoint#" + id() + (dead ? " (dead)" : server != 0 ? " (served by pid " + server + ")" : "");
    }
}
