package dev.kosh.ipc;

import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.jctools.queues.MpscArrayQueue;

/**
 * A bounded channel: many senders, one receiver, on a JCTools {@link MpscArrayQueue}.
 *
 * <p>Senders never block each other (the queue is lock-free). A receiver with nothing to read
 * parks; a sender that sees the {@code receiverParked} flag unparks it. Missed wake-ups are
 * impossible because each side issues a full fence between its write and its read (Dekker): the
 * receiver raises the flag, fences, re-checks the queue; the sender stores the element, fences,
 * reads the flag. So at least one sees the other. (The queue's element store is only a release
 * store, and a later load may pass a release store — StoreLoad — even on x86; without the sender's
 * fence a sender could read the flag as down while the receiver had just found the queue empty,
 * and the receiver would sleep until its timeout.)
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
        VarHandle.fullFence(); // StoreLoad: the element is visible before the flag is read (class comment)
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
                VarHandle.fullFence(); // StoreLoad: the flag is visible before the re-check (class comment)
                m = queue.poll();
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
