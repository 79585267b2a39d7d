package dev.kosh.ipc.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpscArrayQueue;
import org.jctools.queues.SpscArrayQueue;
import org.jctools.util.Pow2;

import dev.kosh.api.MessageType;
import dev.kosh.api.ObjectType;
import dev.kosh.kernel.cap.Capability;
import dev.kosh.kernel.cap.CapabilitySpace;
import dev.kosh.kernel.cap.EndReason;
import dev.kosh.kernel.cap.KernelObject;

/**
 * An asynchronous bounded channel on a JCTools {@link MpscArrayQueue}: any number of senders
 * (lock-free), or, when created single-sender, on a {@link SpscArrayQueue} whose senders are
 * serialised by a lock word (one uncontended CAS per send call or batch; wait-free for the
 * one sender it is made for, a spin for others); one receiving thread at a time (the kernel
 * serialises receivers with {@link #tryConsume}, uncontended in the common one-receiver case). A full
 * channel answers FULL or makes the sender wait; nothing is dropped. Closing refuses new sends;
 * what is queued can still be received. When the last capability ends the queued messages are
 * discarded with the capabilities they carried.
 *
 * <p><b>What is in the queue.</b> A multi-sender channel queues one {@link Item} per message (its
 * senders interleave, so each message describes itself). A single-sender channel queues
 * <em>runs</em>: a {@link Header} (sender pid, the badge of the SEND capability used, type, label,
 * carried capabilities) and then the payloads of every following message with the same header, as
 * they are ({@link #NULL} stands for null data). A new header goes in only when one of those
 * changes, or after a message that carried capabilities; so a batch from one sender costs one
 * queue slot per message and no kernel object per message. Headers take slots too, so the SPSC
 * queue has room for two slots per message and the message bound is kept by two counters,
 * {@code produced} (the producers') and {@code consumed} (the consumer's).
 *
 * <p>Threads: the producer side ({@link #offerOne}, {@link #offerRun}, {@link #offerMessages})
 * from any sending thread; the consumer side ({@link #takeOne}, {@link #drain}) only by the thread
 * that won {@link #tryConsume}.
 */
public final class ChannelObject extends KernelObject {
    /**
     * What a run of messages shares. Not a record and not exported: message data can never be a
     * header (the payload check refuses classes it does not know), so the consumer tells headers
     * from payloads by class.
     */
    static class Header {
        final int sender;
        final long badge;
        final MessageType type;
        final int label;
        /** Capabilities of the one message after this header; set to {@link #NONE} when installed. */
        Capability[] carried;

        Header(int sender, long badge, MessageType type, int label, Capability[] carried) {
            this.sender = sender;
            this.badge = badge;
            this.type = type;
            this.label = label;
            this.carried = carried;
        }

        final boolean sameRun(int sender, long badge, MessageType type, int label) {
            return this.label == label && this.type == type && this.badge == badge && this.sender == sender && carried.length == 0;
        }

        /**
         * Takes the carried capabilities, once: the receiver installing them and a destruction
         * discarding them may race, and exactly one of them gets the array (the other {@link #NONE}).
         */
        final Capability[] take() {
            return carried.length == 0 ? NONE : (Capability[]) CARRIED.getAndSet(this, NONE);
        }

        private static final VarHandle CARRIED;

        static {
            try {
                CARRIED = MethodHandles.lookup().findVarHandle(Header.class, "carried", Capability[].class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    /** One queued message of a multi-sender channel: its header and its data. */
    static final class Item extends Header {
        final Object data;

        Item(int sender, long badge, MessageType type, int label, Object data, Capability[] carried) {
            super(sender, badge, type, label, carried);
            this.data = data;
        }
    }

    /**
     * Single-sender channels: {@code data[from..to)}, the payloads of consecutive messages of one
     * run, in one queue slot. The array is the kernel's own copy of what the sender gave (never the
     * sender's array, never handed to the receiver: it copies out of it).
     */
    static final class Chunk {
        final Object[] data;
        final int from, to;
        /** Multi-sender channels: the run's header (each chunk describes itself); null in a single-sender queue. */
        final Header header;

        Chunk(Object[] data, int from, int to, Header header) {
            this.data = data;
            this.from = from;
            this.to = to;
            this.header = header;
        }
    }

    static final Capability[] NONE = new Capability[0];
    /** Stands for null data in a single-sender queue (a JCTools queue holds no nulls). */
    static final Object NULL = new Object();
    /** What {@link #takeOne} answers when the queue is empty. */
    static final Object EMPTY = new Object();

    final MessagePassingQueue<Object> queue;
    final int capacity;
    final boolean singleSender;
    /** What the senders write, and what the receiver writes: on cache lines of their own (see {@link Side}). */
    final ProducerSide out = new ProducerSide();
    final ConsumerSide in = new ConsumerSide();
    final Waiters senders = new Waiters();
    final Waiters receivers = new Waiters();
    private final CapabilitySpace space;
    private final IpcObjects registry;
    volatile boolean closed;
    /** Set in a multi-sender channel's {@code produced} by {@link #close}: no reservation after it. */
    private static final long CLOSED_BIT = 1L << 62;
    /** Multi-sender channels: {@code consumed} + capacity as last read; a sender re-reads {@code consumed} only past it. */
    private volatile long producerLimit;

    /**
     * Padding: a side's fields come after these 64 bytes (a superclass's fields are laid out first)
     * and before its subclass's 64, so the producer's per-message writes and the consumer's never
     * share a cache line with each other or with the channel's read-mostly fields. Without it the
     * receiver's per-message stores made every send miss (false sharing; measured: single sends
     * at half the speed of the code before the counters).
     */
    abstract static class Side {
        /** Takes the 4-byte gap after the object header, which the layout would otherwise fill with a subclass's int or reference. */
        int gap;
        long p00, p01, p02, p03, p04, p05, p06, p07;
    }

    /** Written by senders. */
    abstract static class ProducerFields extends Side {
        /** Messages offered so far (release stores: read by {@link #depth} and stats); multi-sender channels reserve room here with a CAS. */
        volatile long produced;
        /** Single-sender channels: 1 while a sender holds the SPSC queue's producer side. */
        volatile long locked;
        /** Single-sender, producer held: the header the last message went out under; null forces a new one. */
        Header lastHeader;
        /** Single-sender, producer held: the last value of {@link ConsumerFields#consumed} read; re-read only when it says there is no room. */
        long consumedSeen;
    }

    static final class ProducerSide extends ProducerFields {
        long p10, p11, p12, p13, p14, p15, p16, p17;
    }

    /** Written by the receiving thread (holding {@link #locked}). */
    abstract static class ConsumerFields extends Side {
        /** Messages taken so far (release stores, read by the producers). */
        volatile long consumed;
        /** 1 while a thread receives (one at a time). */
        volatile long locked;
        /** Single-sender channels: the header of the run being read. */
        Header current;
        /** The chunk being read, and the next index in it. */
        Chunk chunk;
        int chunkAt;
        /** The header of the message(s) the last {@link #takeOne} or {@link #drain} delivered. */
        Header taken;
    }

    static final class ConsumerSide extends ConsumerFields {
        long p10, p11, p12, p13, p14, p15, p16, p17;
    }

    private static final VarHandle PRODUCED, P_LOCKED, CONSUMED, C_LOCKED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PRODUCED = l.findVarHandle(ProducerFields.class, "produced", long.class);
            P_LOCKED = l.findVarHandle(ProducerFields.class, "locked", long.class);
            CONSUMED = l.findVarHandle(ConsumerFields.class, "consumed", long.class);
            C_LOCKED = l.findVarHandle(ConsumerFields.class, "locked", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Becomes the receiving thread if no other is (one CAS). */
    boolean tryConsume() {
        return C_LOCKED.compareAndSet(in, 0L, 1L);
    }

    /** Ends this thread's turn as the receiver (a release store: the next one sees our state). */
    void releaseConsumer() {
        C_LOCKED.setRelease(in, 0L);
    }

    /** The header of what the last take delivered (consumer side). */
    Header taken() {
        return in.taken;
    }

    ChannelObject(CapabilitySpace space, IpcObjects registry, int capacity) {
        this(space, registry, capacity, false);
    }

    ChannelObject(CapabilitySpace space, IpcObjects registry, int capacity, boolean singleSender) {
        super(ObjectType.CHANNEL);
        this.space = space;
        this.registry = registry;
        this.singleSender = singleSender;
        this.capacity = Pow2.roundToPowerOfTwo(capacity);
        this.queue = singleSender ? new SpscArrayQueue<>(2 * this.capacity) : new MpscArrayQueue<>(this.capacity);
        this.producerLimit = this.capacity;
    }

    // ---- producer side -----------------------------------------------------------------------

    private void acquireProducer() {
        while (!P_LOCKED.compareAndSet(out, 0L, 1L)) Thread.onSpinWait(); // the SPSC producer side is ours
    }

    private void releaseProducer() {
        P_LOCKED.setRelease(out, 0L); // release: the next sender sees our indices and lastHeader
    }

    /** Single-sender, producer held: how many more messages fit (re-reads the consumer's count only when needed). */
    private int room(long p, int wanted) {
        int room = (int) (capacity - (p - out.consumedSeen));
        if (room < wanted) {
            out.consumedSeen = in.consumed;
            room = (int) (capacity - (p - out.consumedSeen));
        }
        return room;
    }

    /**
     * Multi-sender: claims room for up to {@code wanted} messages (one CAS, as JCTools' own
     * producers do) and answers how many; 0 when full. The queue then always has a slot: every
     * queued element is at least one claimed message.
     */
    private int reserve(int wanted) {
        while (true) {
            long p = out.produced;
            if ((p & CLOSED_BIT) != 0) return 0; // closed: see close()
            long limit = producerLimit;
            if (p + wanted > limit) {
                producerLimit = limit = in.consumed + capacity; // racy but safe: any value read from consumed is a valid limit
            }
            int k = (int) Math.min(wanted, limit - p);
            if (k <= 0) return 0;
            if (PRODUCED.compareAndSet(out, p, p + k)) return k;
        }
    }

    /** Multi-sender: queues an element for room already reserved (the offer can only lose a race for a slot being freed). */
    private void put(Object e) {
        while (!queue.offer(e)) Thread.onSpinWait();
    }

    /** Single-sender, producer held: puts a header first if this message does not continue the current run. */
    private boolean header(int sender, long badge, MessageType type, int label, Capability[] carried) {
        Header h = out.lastHeader;
        if (h != null && carried.length == 0 && h.sameRun(sender, badge, type, label)) return true;
        h = new Header(sender, badge, type, label, carried);
        if (!queue.offer(h)) return false; // cannot happen: two slots per message of room (class comment)
        out.lastHeader = carried.length == 0 ? h : null; // a message with capabilities is a run of one
        return true;
    }

    /** Offers one message; false when full. Any sending thread. */
    boolean offerOne(int sender, long badge, MessageType type, int label, Object data, Capability[] carried) {
        if (!singleSender) {
            if (reserve(1) == 0) return false;
            put(new Item(sender, badge, type, label, data, carried)); // reserved: there is a slot
            return true;
        }
        acquireProducer();
        try {
            long p = out.produced;
            if (closed || room(p, 1) < 1 || !header(sender, badge, type, label, carried)) return false;
            if (!queue.offer(data == null ? NULL : data)) return false;
            PRODUCED.setRelease(out, p + 1);
            return true;
        } finally {
            releaseProducer();
        }
    }

    /**
     * Offers {@code data[0..n)} as messages with one header, in order, as many as fit; answers how
     * many went in. The data was checked (frozen) by the caller. Any sending thread.
     */
    int offerRun(int sender, long badge, MessageType type, int label, Object[] data, int n) {
        if (!singleSender) {
            int k = reserve(n);
            if (k > 0) put(new Chunk(data, 0, k, new Header(sender, badge, type, label, NONE))); // reserved: there is a slot
            return k;
        }
        acquireProducer();
        try {
            long p = out.produced;
            int k = closed ? 0 : Math.min(n, room(p, n));
            if (k <= 0 || !header(sender, badge, type, label, NONE)) return 0;
            if (!queue.offer(new Chunk(data, 0, k, null))) return 0; // one slot for the batch (data is the caller's private copy)
            PRODUCED.setRelease(out, p + k);
            return k;
        } finally {
            releaseProducer();
        }
    }

    /** As {@link #offerRun}, each message with its own type and label ({@code data[i]} is {@code messages[i]}'s checked data). */
    int offerMessages(int sender, long badge, dev.kosh.api.Outgoing[] messages, Object[] data, int n) {
        if (!singleSender) {
            int k = reserve(n);
            for (int i = 0; i < k; ) { // one chunk per run of equal type and label, each with its header
                MessageType type = messages[i].type();
                int label = messages[i].label();
                int j = i + 1;
                while (j < k && messages[j].label() == label && messages[j].type() == type) j++;
                put(new Chunk(data, i, j, new Header(sender, badge, type, label, NONE))); // reserved: there is a slot
                i = j;
            }
            return k;
        }
        acquireProducer();
        try {
            long p = out.produced;
            int k = closed ? 0 : Math.min(n, room(p, n));
            int i = 0;
            while (i < k) { // one header (if it changed) and one chunk per run of equal type and label
                MessageType type = messages[i].type();
                int label = messages[i].label();
                int j = i + 1;
                while (j < k && messages[j].label() == label && messages[j].type() == type) j++;
                if (!header(sender, badge, type, label, NONE) || !queue.offer(new Chunk(data, i, j, null))) break;
                i = j;
            }
            PRODUCED.setRelease(out, p + i);
            return i;
        } finally {
            releaseProducer();
        }
    }

    // ---- consumer side (after {@link #tryConsume}) -------------------------------------------

    /**
     * The next message's data ({@link #EMPTY} if there is none); {@link #taken()} is its header.
     * Installing the header's capabilities is the caller's (then it sets them to {@link #NONE}).
     */
    Object takeOne() {
        if (!singleSender) {
            Chunk c = in.chunk;
            Object d;
            if (c != null) {
                in.taken = c.header;
                d = c.data[in.chunkAt++];
                if (in.chunkAt == c.to) in.chunk = null;
            } else {
                Object e = queue.poll();
                if (e == null) return EMPTY;
                if (e.getClass() == Chunk.class) {
                    in.chunk = (Chunk) e;
                    in.chunkAt = in.chunk.from;
                    return takeOne();
                }
                Item item = (Item) e;
                in.taken = item;
                d = item.data;
            }
            CONSUMED.setRelease(in, in.consumed + 1);
            return d;
        }
        while (true) {
            Chunk c = in.chunk;
            Object e;
            if (c != null) {
                e = c.data[in.chunkAt++];
                if (in.chunkAt == c.to) in.chunk = null;
            } else {
                e = queue.poll();
                if (e == null) return EMPTY;
                if (e.getClass() == Header.class) {
                    in.current = (Header) e;
                    continue;
                }
                if (e.getClass() == Chunk.class) {
                    in.chunk = (Chunk) e;
                    in.chunkAt = in.chunk.from;
                    continue;
                }
                if (e == NULL) e = null;
            }
            in.taken = in.current;
            CONSUMED.setRelease(in, in.consumed + 1);
            return e;
        }
    }

    /**
     * Moves up to {@code limit} messages of one run (same sender, badge, type and label) into
     * {@code into[0..n)}; answers n (0: empty). {@link #taken()} is their header; a message that
     * carried capabilities is always a run of one.
     */
    int drain(Object[] into, int limit) {
        if (!singleSender) return drainItems(into, limit);
        Header run = in.current;
        int n = 0;
        while (n < limit) {
            Chunk c = in.chunk;
            if (c != null) { // copy out of the kernel's array: the receiver never holds it
                int k = Math.min(limit - n, c.to - in.chunkAt);
                System.arraycopy(c.data, in.chunkAt, into, n, k);
                n += k;
                in.chunkAt += k;
                if (in.chunkAt == c.to) in.chunk = null;
                continue;
            }
            Object e = queue.poll();
            if (e == null) break;
            if (e.getClass() == Header.class) {
                in.current = (Header) e;
                if (n > 0) break; // a new run starts: it is the next call's
                run = in.current;
                continue;
            }
            if (e.getClass() == Chunk.class) {
                in.chunk = (Chunk) e;
                in.chunkAt = in.chunk.from;
                continue;
            }
            into[n++] = e == NULL ? null : e;
            if (run.carried.length > 0) break; // a message with capabilities goes alone
        }
        if (n > 0) {
            in.taken = run;
            CONSUMED.setRelease(in, in.consumed + n);
        }
        return n;
    }

    /** Multi-sender: as {@link #drain}; each element carries its header, so a run ends where the next element's header differs. */
    private int drainItems(Object[] into, int limit) {
        Header run = in.chunk != null ? in.chunk.header : null;
        int n = 0;
        while (n < limit) {
            Chunk c = in.chunk;
            if (c != null) {
                int k = Math.min(limit - n, c.to - in.chunkAt);
                System.arraycopy(c.data, in.chunkAt, into, n, k);
                n += k;
                in.chunkAt += k;
                if (in.chunkAt == c.to) in.chunk = null;
                continue;
            }
            Object e = queue.relaxedPeek(); // the one consumer: what it peeks stays until it polls
            if (e == null) break;
            Header h = e.getClass() == Chunk.class ? ((Chunk) e).header : (Item) e;
            if (run == null) run = h;
            else if (!h.sameRun(run.sender, run.badge, run.type, run.label) || run.carried.length > 0) break;
            queue.relaxedPoll();
            if (h != e) {
                in.chunk = (Chunk) e;
                in.chunkAt = in.chunk.from;
                continue;
            }
            into[n++] = ((Item) e).data;
            if (h.carried.length > 0) break; // a message with capabilities goes alone
        }
        if (n > 0) {
            in.taken = run;
            CONSUMED.setRelease(in, in.consumed + n);
        }
        return n;
    }

    /** True if nothing is left to receive (consumer side). */
    boolean drained() {
        return in.chunk == null && queue.isEmpty() && in.consumed == (out.produced & ~CLOSED_BIT);
    }

    // ---- state -------------------------------------------------------------------------------

    /** True if no message fits now (a hint for a sender that would otherwise check and copy a whole batch first). */
    boolean full() {
        return (out.produced & ~CLOSED_BIT) - in.consumed >= capacity;
    }

    /** The FULL answer, made once: a sender retrying on a full channel allocates nothing. */
    @SuppressWarnings("unchecked")
    <T> dev.kosh.api.SysResult<T> fullError() {
        dev.kosh.api.SysResult<?> e = fullError;
        if (e == null) fullError = e = dev.kosh.api.SysResult.err(dev.kosh.api.Errno.FULL, "channel#" + id() + " is full (" + capacity + " messages)");
        return (dev.kosh.api.SysResult<T>) e;
    }

    private dev.kosh.api.SysResult<?> fullError;

    public int depth() {
        return (int) Math.max(0, (out.produced & ~CLOSED_BIT) - in.consumed);
    }

    public int capacity() {
        return capacity;
    }

    public long sent() {
        return out.produced & ~CLOSED_BIT;
    }

    public boolean closed() {
        return closed;
    }

    /**
     * Closes the channel so that a message is either queued before the close (and the receiver gets
     * it before CLOSED) or refused with CLOSED — never answered OK and then stranded. A single
     * sender checks {@code closed} holding the producer side, which close takes too; multi-sender
     * channels reserve room with a CAS on {@code produced}, into which close puts
     * {@link #CLOSED_BIT}: a reservation made before it is a message the receiver waits for
     * ({@link #drained} compares the counts), none can be made after it.
     */
    void close() {
        if (singleSender) {
            acquireProducer();
            closed = true;
            releaseProducer();
        } else {
            long p;
            do {
                p = out.produced;
            } while ((p & CLOSED_BIT) == 0 && !PRODUCED.compareAndSet(out, p, p | CLOSED_BIT));
            closed = true;
        }
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
        Object e;
        while ((e = queue.relaxedPoll()) != null) {
            if (e instanceof Header h) discard(h);
        }
        Header c = in.current;
        if (c != null) discard(c); // a header whose message was not taken yet
        registry.remove(this);
        close();
    }

    private void discard(Header h) {
        for (Capability c : h.take()) space.discard(c);
    }

    @Override
    public String describe() {
        return "channel#" + id() + (singleSender ? " spsc" : "") + " (" + depth() + "/" + capacity + (closed ? ", closed" : "") + ")";
    }
}
