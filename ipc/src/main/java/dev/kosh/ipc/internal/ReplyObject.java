package dev.kosh.ipc.internal;

import dev.kosh.api.Errno;
import dev.kosh.api.ObjectType;
import dev.kosh.kernel.cap.Capability;
import dev.kosh.kernel.cap.EndReason;
import dev.kosh.kernel.cap.KernelObject;

/**
 * A server thread's reusable reply object (seL4 MCS style): one capability with REPLY, minted the
 * first time the thread receives a call and kept in its table, so the call fast path mints and
 * deletes nothing and takes no lock. The capability is always there (it shows in {@code caps}),
 * but each call gets its own handle:
 *
 * <ul>
 * <li><b>arm</b> (the receiving thread, no lock): {@link #call} := the call, before the call's
 *     QUEUED→RECEIVED CAS; the server gets the capability's current handle.</li>
 * <li><b>reply</b> (any server thread, no lock): the winner of RECEIVED→REPLYING re-issues the
 *     handle ({@code CapabilitySpace.reissue}: the used one answers INVALID_HANDLE, one-shot), then
 *     clears {@link #call}.</li>
 * <li><b>the caller gives up</b> (timeout, revocation, exit; the client thread, under the space
 *     lock): the winner of RECEIVED→CANCELLED retires the handle with reason OBJECT_DESTROYED (the
 *     server's reply, or any use of it, answers DEAD_PEER), then clears {@link #call}.</li>
 * <li><b>the server drops it</b> (deletes the handle, or exits): {@link #destroyed} fails the
 *     armed call with DEAD_PEER at once.</li>
 * </ul>
 * Only the winner of the armed call's state CAS touches the handle, so the lock-free re-issue
 * never races the locked one. A thread that receives again before replying (several calls held
 * at once) gets a one-shot {@link PendingCall} reply capability instead, as before.
 */
public final class ReplyObject extends KernelObject {
    final String serverThread;
    /** The capability in the server's table; set once, right after minting, by the receiving thread. */
    Capability capability;
    /**
     * The armed call, or null. Read as a volatile; written with release stores ({@link #arm}): the
     * arm is followed by the call's state CAS (a full fence) anyway, and clearing it only has to
     * publish the handle re-issued before it to the next arm (a release/acquire pair), so neither
     * needs a fence of its own.
     */
    volatile PendingCall call;
    private static final java.lang.invoke.VarHandle CALL;

    static {
        try {
            CALL = java.lang.invoke.MethodHandles.lookup().findVarHandle(ReplyObject.class, "call", PendingCall.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Sets (or, with null, clears) the armed call with a release store. */
    void arm(PendingCall pc) {
        CALL.setRelease(this, pc);
    }

    ReplyObject(String serverThread) {
        super(ObjectType.REPLY);
        this.serverThread = serverThread;
    }

    /** Usable for a new call: live and not armed. Receiving thread only. */
    boolean idle() {
        Capability c = capability;
        return c != null && c.live() && call == null;
    }

    /** The server dropped its reply capability (deleted it, or exited): fail the armed call. Under the space lock. */
    @Override
    protected void destroyed() {
        PendingCall pc = call;
        if (pc != null && pc.replyObject == this) { // a reused call record armed elsewhere is not ours to fail
            pc.fail(PendingCall.RECEIVED, Errno.DEAD_PEER, "pid " + pc.serverPid + " dropped the call without replying (exited or deleted the reply capability)");
        }
    }

    @Override
    protected void capabilityRemoved(Capability c, EndReason reason) {
        // destroyed() follows: the reply capability is the only one
    }

    @Override
    public String describe() {
        PendingCall pc = call;
        return "reply#" + id() + " (thread " + serverThread + (pc != null ? ", caller pid " + pc.clientPid : ", idle") + ")";
    }
}
