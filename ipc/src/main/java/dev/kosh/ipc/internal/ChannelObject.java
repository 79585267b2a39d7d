package dev.kosh.ipc.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpscArrayQueue;
import org.jctools.queues.SpscArrayQueue;

import dev.kosh.api.MessageType;
import dev.kosh.api.ObjectType;
import dev.kosh.kernel.cap.Capability;
import dev.kosh.kernel.cap.CapabilitySpace;
import dev.kosh.kernel.cap.EndReason;
import dev.kosh.kernel.cap.KernelObject;

/**
 * An asynchronous bounded channel on a JCTools {@link MpscArrayQueue}: any number of senders
 * (lock-free), or, when created single-sender, on a {@link SpscArrayQueue} whose senders are
 * serialised by {@link #producer} (one uncontended CAS per send call or batch; wait-free for the
 * one sender it is made for, a spin for others); one receiving thread at a time (the kernel serialises receivers with
 * {@link #consumer}, uncontended in the common one-receiver case). A full channel answers FULL or
 * makes the sender wait; nothing is dropped. Closing refuses new sends; what is queued can still be
 * received. When the last capability ends the queued messages are discarded with the
 * capabilities they carried.
 */
public final class ChannelObject extends KernelObject {
    /** One queued message: what the sender gave, before the receiver's handles exist. */
    record Item(int sender, MessageType type, int label, Object data, Capability[] carried) {}

    static final Capability[] NONE = new Capability[0];

    final MessagePassingQueue<Item> queue;
    final int capacity;
    final boolean singleSender;
    final AtomicBoolean consumer = new AtomicBoolean();
    /** Single-sender channels only: the one thread offering to the SPSC queue at a time. */
    final AtomicBoolean producer = new AtomicBoolean();
    final Waiters senders = new Waiters();
    final Waiters receivers = new Waiters();
    private final CapabilitySpace space;
    private final IpcObjects registry;
    volatile boolean closed;
    final LongAdder sent = new LongAdder();

    ChannelObject(CapabilitySpace space, IpcObjects registry, int capacity) {
        this(space, registry, capacity, false);
    }

    ChannelObject(CapabilitySpace space, IpcObjects registry, int capacity, boolean singleSender) {
        super(ObjectType.CHANNEL);
        this.space = space;
        this.registry = registry;
        this.singleSender = singleSender;
        this.queue = singleSender ? new SpscArrayQueue<>(capacity) : new MpscArrayQueue<>(capacity);
        this.capacity = queue.capacity();
    }

    /** Offers one item under this channel's sender discipline. Any sending thread. */
    boolean offer(Item item) {
        if (!singleSender) return queue.offer(item);
        while (!producer.compareAndSet(false, true)) Thread.onSpinWait(); // volatile CAS: acquires the SPSC producer side
        try {
            return queue.offer(item);
        } finally {
            producer.set(false); // volatile store: releases it, with the queue's index
        }
    }

    public int depth() {
        return queue.size();
    }

    public int capacity() {
        return capacity;
    }

    public long sent() {
        return sent.sum();
    }

    public boolean closed() {
        return closed;
    }

    void close() {
        closed = true;
        receivers.wakeAll();
        senders.wakeAll();
    }

    @Override
    protected void capabilityRemoved(Capability c, EndReason reason) {
        receivers.wakeAll();
        senders.wakeAll();
    }

    @Override
    protected void destroyed() {
        closed = true;
        Item item;
        while ((item = queue.relaxedPoll()) != null) for (Capability c : item.carried()) space.discard(c);
        registry.remove(this);
        close();
    }

    @Override
    public String describe() {
        return "channel#" + id() + (singleSender ? " spsc" : "") + " (" + depth() + "/" + capacity + (closed ? ", closed" : "") + ")";
    }
}
