package dev.kosh.ipc;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.jctools.queues.MpscArrayQueue;

/**
 * A bounded channel: many senders, one receiver, on a JCTools {@link MpscArrayQueue}.
 *
 * <p>Senders never block each other (the queue is lock-free). A receiver with nothing to read
 * parks; a sender that sees the {@code receiverParked} flag unparks it. Missed wake-ups are
 * impossible because the receiver re-checks the queue after raising the flag (the volatile write
 * of the flag happens-before its re-check; a sender's offer happens-before its read of the flag).
 *
 * <p>Threads: {@link #send}, {@link #trySend} and {@link #close} from any thread; {@link #receive},
 * {@link #poll} and {@link #drain} from the single receiving thread only.
 */
public final class MpscChannel<T> {
    private final MpscArrayQueue<T> queue;
    private final int capacity;
    private volatile Thread receiver;
    private volatile boolean receiverParked;
    private volatile boolean closed;

    public MpscChannel(int capacity) {
        if (capacity < 2) throw new IllegalArgumentException("capacity must be at least 2, was " + capacity);
        this.queue = new MpscArrayQueue<>(capacity);
        this.capacity = queue.capacity();
    }

    public int capacity() {
        return capacity;
    }

    public int size() {
        return queue.size();
    }

    /** Offers without waiting: {@code OK}, {@code FULL} or {@code CLOSED}. */
    public SendStatus trySend(T message) {
        if (message == null) throw new NullPointerException("message");
        if (closed) return SendStatus.CLOSED;
        if (!queue.offer(message)) return SendStatus.FULL;
        wakeReceiver();
        return SendStatus.OK;
    }

    /** Sends, waiting while the channel is full, up to {@code timeout}. */
    public SendStatus send(T message, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long backoff = 1_000;
        while (true) {
            SendStatus s = trySend(message);
            if (s != SendStatus.FULL) return s;
            if (System.nanoTime() - deadline >= 0) return SendStatus.TIMEOUT;
            if (Thread.currentThread().isInterrupted()) return SendStatus.TIMEOUT;
            LockSupport.parkNanos(backoff); // the receiver does not signal space; back off up to 1 ms
            backoff = Math.min(backoff * 2, 1_000_000);
        }
    }

    private void wakeReceiver() {
        if (receiverParked) {
            Thread r = receiver;
            if (r != null) LockSupport.unpark(r);
        }
    }

    /** Takes the next message, or null if there is none. */
    public T poll() {
        return queue.poll();
    }

    /** Takes the next message, waiting up to {@code timeout}; null on timeout, close or interrupt. */
    public T receive(Duration timeout) {
        T m = queue.poll();
        if (m != null) return m;
        receiver = Thread.currentThread();
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                receiverParked = true;
                m = queue.poll(); // re-check after announcing the park: see the class comment
                if (m != null || closed) return m;
                long left = deadline - System.nanoTime();
                if (left <= 0 || Thread.currentThread().isInterrupted()) return null;
                LockSupport.parkNanos(this, left);
            }
        } finally {
            receiverParked = false;
        }
    }

    /** Hands up to {@code limit} waiting messages to {@code sink}; returns how many. */
    public int drain(Consumer<T> sink, int limit) {
        return queue.drain(sink::accept, limit);
    }

    /** Refuses further sends; messages already in the channel can still be received. Wakes the receiver. */
    public void close() {
        closed = true;
        Thread r = receiver;
        if (r != null) LockSupport.unpark(r);
    }

    public boolean isClosed() {
        return closed;
    }
}
