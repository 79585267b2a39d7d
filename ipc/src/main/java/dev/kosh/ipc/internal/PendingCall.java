package dev.kosh.ipc.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

import dev.kosh.api.Errno;
import dev.kosh.api.MessageType;
import dev.kosh.api.ObjectType;
import dev.kosh.kernel.cap.Capability;
import dev.kosh.kernel.cap.CapabilityTable;
import dev.kosh.kernel.cap.EndReason;
import dev.kosh.kernel.cap.KernelObject;

/**
 * One call in flight, and the object its one-shot reply capability names.
 *
 * <p>State machine (every transition a CAS on {@link #state}; whoever moves the call out of
 * QUEUED owns the capabilities it carries):
 * <pre>
 *   QUEUED ──server receives──▶ RECEIVED ──server replies──▶ REPLYING ──▶ REPLIED
 *     │  └──endpoint dies──▶ FAILED       │  └──reply capability dropped──▶ FAILED
 *     └──client gives up──▶ CANCELLED     └──client gives up──▶ CANCELLED
 * </pre>
 * A reply through a reply object that carries no capability goes RECEIVED→REPLIED in one CAS
 * ({@link #completeDirectly}): there is nothing to install in the client's table, so nothing
 * needs the REPLYING step in between.
 * The client waits for REPLIED or FAILED, or moves the call to CANCELLED itself (timeout,
 * revocation, interruption). The reply message and failure fields are written before the volatile
 * store of the final state and read after the client's volatile load of it.
 *
 * <p><b>Reuse.</b> A client thread keeps its last call record and {@link #rearm}s it for its next
 * call, when that call ended REPLIED through a server's reply object ({@link #reusable}): then
 * nobody holds it any more (it left the queue when received, the reply object let go of it before
 * answering, no capability names it). Only the answering server may still be inside
 * {@link #wakeClient} for it, which at worst unparks the client once too often (every wait
 * re-checks). A call that was cancelled (it may still sit in the queue), failed, or had its own
 * reply capability is never reused.
 */
public final class PendingCall extends KernelObject {
    public static final int QUEUED = 0, RECEIVED = 1, REPLYING = 2, REPLIED = 3, CANCELLED = 4, FAILED = 5;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(PendingCall.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile int state = QUEUED;
    final Thread client;
    final int clientPid;
    final CapabilityTable clientTable;
    // per call: written by the client before the queue's release store publishes the call
    Capability via;
    MessageType type;
    int label;
    Object data;
    Capability[] carried;
    volatile boolean clientParked;
    /** The server thread's reply object this call is armed on, or null (then this call is its own reply object). Written before QUEUED→RECEIVED. */
    ReplyObject replyObject;

    /** The answer's cache line (see {@link ReplySlot}); {@link #sequence} numbers this record's calls. */
    final ReplySlot slot = new ReplySlot();
    /** Which call of this record is in flight; the client bumps it in {@link #rearm}. */
    long sequence = 1;

    // written before the state becomes REPLIED or FAILED (the answer itself: in slot)
    Errno failure;
    String failureMessage;
    int serverPid;

    PendingCall(Thread client, int clientPid, CapabilityTable clientTable, Capability via, MessageType type, int label,
                Object data, Capability[] carried) {
        super(ObjectType.REPLY);
        this.client = client;
        this.clientPid = clientPid;
        this.clientTable = clientTable;
        this.via = via;
        this.type = type;
        this.label = label;
        this.data = data;
        this.carried = carried;
    }

    int state() {
        return state;
    }

    /** True once this call ended REPLIED through a reply object: the client may reuse the record (class comment). */
    boolean reusable() {
        return state == REPLIED && replyObject != null;
    }

    /** Makes a {@link #reusable} record a new QUEUED call. The client thread only, before it offers the call. */
    void rearm(Capability via, MessageType type, int label, Object data, Capability[] carried) {
        this.via = via;
        this.type = type;
        this.label = label;
        this.data = data;
        this.carried = carried;
        replyObject = null;
        sequence++;
        failure = null;
        failureMessage = null;
        serverPid = 0;
        clientParked = false;
        STATE.set(this, QUEUED); // plain: the queue's release store publishes it with the fields above
    }

    boolean cas(int from, int to) {
        return STATE.compareAndSet(this, from, to); // volatile CAS: orders the fields written before it
    }

    /** Ends the call with an error (from QUEUED or RECEIVED) and wakes the client. */
    boolean fail(int from, Errno errno, String message) {
        long call = sequence; // read before the state changes: see completeDirectly
        if (!cas(from, REPLYING)) return false;
        failure = errno;
        failureMessage = message;
        state = FAILED; // volatile store publishes failure and failureMessage
        wakeClient();
        slot.done(call, true);
        return true;
    }

    void complete(int sender, MessageType type, int label, Object data, java.util.List<Integer> handles) {
        long call = sequence; // read before the state changes: see completeDirectly
        slot.set(sender, type, label, data, handles);
        state = REPLIED; // volatile store publishes the reply (only the REPLYING owner calls this)
        wakeClient();
        slot.done(call, false);
    }

    /**
     * The answer to a call armed on a reply object that carries no capability: the reply is
     * written first and the single CAS RECEIVED→REPLIED publishes it (one atomic write on the line
     * the client polls instead of a CAS to REPLYING and a volatile store). False if the client gave
     * up or the call failed meanwhile (then it never reads the {@link #slot}: a cancelled or failed
     * record is not reused). Wakes the client and marks the {@link #slot} done.
     */
    boolean completeDirectly(int sender, MessageType type, int label, Object data) {
        // The number of the call being answered, read while the call is still ours: once the state
        // says REPLIED, a client that sees it (its parked path reads the state, not the slot) may
        // re-arm the record and bump the sequence before the done below, and a done carrying the
        // *new* number would pass this answer off as the next call's (a stale reply, seen in
        // EndpointTest under load).
        long call = sequence;
        slot.set(sender, type, label, data, java.util.List.of());
        if (!STATE.compareAndSet(this, RECEIVED, REPLIED)) return false;
        wakeClient(); // at once, while the line is still ours: the client re-arms the record for its next call soon
        slot.done(call, false); // the last touch of this record: the client may reuse it from here
        return true;
    }

    void wakeClient() {
        if (clientParked) LockSupport.unpark(client);
    }

    /** The server dropped the reply capability without answering (deleted it, or exited). */
    @Override
    protected void destroyed() {
        fail(RECEIVED, Errno.DEAD_PEER, "pid " + serverPid + " dropped the call without replying (exited or deleted the reply capability)");
    }

    @Override
    protected void capabilityRemoved(Capability capability, EndReason reason) {
        // destroyed() follows: the reply capability is the only one
    }

    @Override
    public String describe() {
        return "reply#" + id() + " (caller pid " + clientPid + ")";
    }
}
