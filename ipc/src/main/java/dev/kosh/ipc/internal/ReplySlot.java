package dev.kosh.ipc.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import java.util.List;

import dev.kosh.api.Message;
import dev.kosh.api.MessageType;

/**
 * Where a call's answer lands: the reply's fields and a "done" word, alone on one cache line of
 * the caller's call record (the caller builds its {@link Message} from them on its own core, so
 * it does not read an object the server allocated: one line crossing instead of two). The server writes this line once per call and the busy-polling caller
 * reads only it, so the call's state word (which the server CASes when it takes the call and again
 * when it answers) is not pulled back and forth while the caller waits.
 *
 * <p>{@link #done} holds {@code sequence << 1} once call {@code sequence} was answered, with the
 * low bit set if it failed (then the call's state and failure fields say how). The caller never
 * resets it: each call of a reused record has the next sequence number, so a late write for an
 * earlier call cannot be taken for the current one's answer.
 */
final class ReplySlot extends ReplySlotFields {
    long q01, q02, q03, q04, q05, q06, q07;

    /** Publishes the outcome of call {@code sequence} (release: the answer and the state written before it are visible to whoever reads it). */
    void done(long sequence, boolean failed) {
        DONE.setRelease(this, sequence << 1 | (failed ? 1 : 0));
    }

    /** The answer written by {@link #set}, as the message the caller {@code receiver} gets. */
    Message message(int receiver) {
        return new Message(sender, receiver, type, label, data, handles, 0, 0);
    }

    /** The answer's fields; the server that won the call's state CAS writes them, before that CAS. */
    void set(int sender, MessageType type, int label, Object data, List<Integer> handles) {
        this.sender = sender;
        this.type = type;
        this.label = label;
        this.data = data;
        this.handles = handles;
    }

    /** 1: call {@code sequence} was answered ({@link #message} is the answer), -1: it failed, 0: not yet. Acquire. */
    int outcome(long sequence) {
        long d = (long) DONE.getAcquire(this);
        return (d >>> 1) != sequence ? 0 : (d & 1) == 0 ? 1 : -1;
    }
}

abstract class ReplySlotPad {
    long p01, p02, p03, p04, p05, p06, p07, p08;
}

abstract class ReplySlotFields extends ReplySlotPad {
    static final VarHandle DONE;

    static {
        try {
            DONE = MethodHandles.lookup().findVarHandle(ReplySlotFields.class, "done", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // the answer (see set); plain fields, published by the release store of done or the state CAS
    int sender;
    MessageType type;
    int label;
    Object data;
    List<Integer> handles;
    volatile long done;
}
