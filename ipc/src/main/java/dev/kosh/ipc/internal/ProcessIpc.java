package dev.kosh.ipc.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import dev.kosh.api.ChannelBatch;
import dev.kosh.api.Errno;
import dev.kosh.api.Ipc;
import dev.kosh.api.Message;
import dev.kosh.api.MessageType;
import dev.kosh.api.ObjectType;
import dev.kosh.api.Outgoing;
import dev.kosh.api.Right;
import dev.kosh.api.Rights;
import dev.kosh.api.SharedMapping;
import dev.kosh.api.SysResult;
import dev.kosh.kernel.cap.Capability;
import dev.kosh.kernel.cap.CapabilitySpace;
import dev.kosh.kernel.cap.CapabilityTable;
import dev.kosh.kernel.process.BlockReason;
import dev.kosh.kernel.process.KoshProcess;

/**
 * The IPC system calls of one process. Each is decode (checkpoint; handle, type, rights,
 * arguments — a typed error) then invoke. The data plane ({@link #call}, {@link #receive},
 * {@link #reply}, {@link #send}) checks capabilities without locks and without allocating on
 * success; errors take the slow path that builds a message.
 *
 * <p>Threads: any thread of the owning process.
 */
public final class ProcessIpc implements Ipc {
    private static final int CALL = Right.CALL.bit();
    private static final int RECEIVE = Right.RECEIVE.bit();
    private static final int REPLY = Right.REPLY.bit();
    private static final int SEND = Right.SEND.bit();
    private static final Rights REPLY_RIGHTS = Rights.of(Right.REPLY);
    private static final List<Integer> NO_HANDLES = List.of();
    /** Shared answers: no allocation for an Ok without a value, or for a message that carries no capability. */
    private static final SysResult<?> OK_NULL = SysResult.ok(null);
    private static final SysResult<Capability[]> NO_TRANSFERS = SysResult.ok(ChannelObject.NONE);
    public static final int MAX_CHANNEL_CAPACITY = 1 << 16;

    private final dev.kosh.ipc.IpcKernel kernel;
    private final KoshProcess process;
    private final CapabilityTable table;
    private final CapabilitySpace space;
    private final int pid;
    /** Each server thread's reusable reply object (see {@link ReplyObject}); the first call a thread receives mints it. */
    private final ThreadLocal<ReplyObject> replyObjects = new ThreadLocal<>();
    /** Each client thread's last call record, reused for its next call when it ended cleanly (see {@link PendingCall}). */
    private final ThreadLocal<PendingCall> callRecords = new ThreadLocal<>();
    /** Calls made, for sampling their latency (racy between this process's threads: only the sampling rate suffers). */
    private int callSequence;

    public ProcessIpc(dev.kosh.ipc.IpcKernel kernel, KoshProcess process) {
        this.kernel = kernel;
        this.process = process;
        this.table = process.capabilityTable();
        this.space = table.space();
        this.pid = process.pid();
    }

    public KoshProcess process() {
        return process;
    }

    // ---- creation ----------------------------------------------------------------------------

    @Override
    public SysResult<Integer> createEndpoint() {
        process.checkpoint();
        Endpoint e = new Endpoint(space, kernel.objects(), kernel.options().endpointQueue());
        return kernel.track(e, space.create(table, e, Rights.of(Right.CALL, Right.RECEIVE, Right.GRANT), 0));
    }

    @Override
    public SysResult<Integer> createChannel(int capacity) {
        return createChannel(capacity, false);
    }

    @Override
    public SysResult<Integer> createChannel(int capacity, boolean singleSender) {
        process.checkpoint();
        if (capacity < 2 || capacity > MAX_CHANNEL_CAPACITY) {
            return SysResult.err(Errno.INVALID_ARGUMENT, "a channel holds 2 to " + MAX_CHANNEL_CAPACITY + " messages, not " + capacity);
        }
        ChannelObject c = new ChannelObject(space, kernel.objects(), capacity, singleSender);
        return kernel.track(c, space.create(table, c, Rights.of(Right.SEND, Right.RECEIVE, Right.GRANT), 0));
    }

    @Override
    public SysResult<Integer> createNotification() {
        process.checkpoint();
        NotificationObject n = new NotificationObject(kernel.objects());
        return kernel.track(n, space.create(table, n, Rights.of(Right.SIGNAL, Right.WAIT, Right.GRANT), 0));
    }

    @Override
    public SysResult<Integer> createSharedMemory(long bytes) {
        process.checkpoint();
        if (bytes <= 0 || bytes > kernel.options().sharedMemoryQuota()) {
            return SysResult.err(Errno.INVALID_ARGUMENT, "a shared memory region is 1 to " + kernel.options().sharedMemoryQuota() + " bytes, not " + bytes);
        }
        if (!kernel.chargeSharedMemory(pid, bytes)) {
            return SysResult.err(Errno.QUOTA_EXCEEDED, process.label() + " would own more than " + kernel.options().sharedMemoryQuota() + " bytes of shared memory");
        }
        SharedRegion r;
        try {
            r = new SharedRegion(bytes, pid, kernel.objects(), () -> kernel.refundSharedMemory(pid, bytes));
        } catch (OutOfMemoryError | RuntimeException e) {
            kernel.refundSharedMemory(pid, bytes);
            return SysResult.err(Errno.QUOTA_EXCEEDED, "cannot allocate " + bytes + " bytes of shared memory: " + e.getMessage());
        }
        SysResult<Integer> created = kernel.track(r, space.create(table, r, Rights.of(Right.READ, Right.WRITE, Right.GRANT), 0));
        if (!created.isOk()) r.destroyed(); // no capability was made: free the memory and the charge now
        return created;
    }

    // ---- common decoding ---------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private static <T> SysResult<T> okNull() {
        return (SysResult<T>) OK_NULL;
    }

    private static <T> SysResult<T> err(Errno errno, String message) {
        return SysResult.err(errno, message);
    }

    private static <T> SysResult<T> errOf(SysResult<?> r) {
        SysResult.Err<?> e = (SysResult.Err<?>) r;
        return SysResult.err(e.errno(), e.message());
    }

    private static String checkTimeout(Duration timeout) {
        return timeout == null || timeout.isNegative() ? "a timeout must be zero or positive, not " + timeout : null;
    }

    /** The message's data, frozen, or the refusal text in {@code refusal[0]}. */
    private static Object freeze(Outgoing m, String[] refusal) {
        try {
            return Payloads.freeze(m.data());
        } catch (Payloads.Refused r) {
            refusal[0] = r.getMessage();
            return null;
        }
    }

    /**
     * Checks every transfer first (decode), then takes the capabilities out of this table. If a
     * later detach fails (a concurrent delete), the ones already taken are discarded.
     */
    private SysResult<Capability[]> detachAll(List<Outgoing.Transfer> transfers) {
        if (transfers.isEmpty()) return NO_TRANSFERS;
        if (transfers.size() > Outgoing.MAX_TRANSFERS) {
            return err(Errno.INVALID_ARGUMENT, "a message carries at most " + Outgoing.MAX_TRANSFERS + " capabilities");
        }
        for (int i = 0; i < transfers.size(); i++) {
            Outgoing.Transfer t = transfers.get(i);
            if (t == null) return err(Errno.INVALID_ARGUMENT, "transfer " + i + " is null");
            for (int j = 0; j < i; j++) {
                if (transfers.get(j).handle() == t.handle()) return err(Errno.INVALID_ARGUMENT, "handle " + t.handle() + " is transferred twice");
            }
            SysResult<Capability> c = table.resolve(t.handle(), null, Right.GRANT.bit());
            if (!c.isOk()) return errOf(c);
            if (((SysResult.Ok<Capability>) c).value().object().type() == ObjectType.REPLY) {
                return err(Errno.INVALID_ARGUMENT, "a reply capability cannot be transferred");
            }
        }
        Capability[] out = new Capability[transfers.size()];
        for (int i = 0; i < out.length; i++) {
            Outgoing.Transfer t = transfers.get(i);
            SysResult<Capability> c = space.detach(table, t.handle(), t.move());
            if (!(c instanceof SysResult.Ok<Capability>(Capability cap))) {
                for (int j = 0; j < i; j++) space.discard(out[j]);
                return errOf(c);
            }
            out[i] = cap;
        }
        return SysResult.ok(out);
    }

    private List<Integer> attachAll(Capability[] carried, CapabilityTable to) {
        if (carried.length == 0) return NO_HANDLES;
        List<Integer> handles = new ArrayList<>(carried.length);
        for (Capability c : carried) {
            if (space.attach(to, c) instanceof SysResult.Ok<Integer>(Integer h)) handles.add(h);
        }
        return handles;
    }

    private void discardAll(Capability[] carried) {
        for (Capability c : carried) space.discard(c);
    }

    // ---- endpoints ---------------------------------------------------------------------------

    @Override
    public SysResult<Message> call(int endpoint, Outgoing request, Duration timeout) {
        process.checkpoint();
        long start = (callSequence++ & dev.kosh.ipc.IpcKernel.LATENCY_SAMPLE_MASK) == 0 ? System.nanoTime() : 0L; // one call in 64 is timed
        String badTimeout = checkTimeout(timeout);
        if (request == null || badTimeout != null) return err(Errno.INVALID_ARGUMENT, request == null ? "call needs a message" : badTimeout);
        Capability via = table.fast(endpoint, ObjectType.ENDPOINT, CALL);
        if (via == null) return errOf(table.resolve(endpoint, ObjectType.ENDPOINT, CALL));
        Endpoint e = (Endpoint) via.object();
        if (e.dead()) return kernel.failed(err(Errno.DEAD_PEER, e.describe() + " has no server"));
        if (request.type() == null) return err(Errno.INVALID_ARGUMENT, "a message needs a type");
        Object data = request.data();
        if (!Payloads.passesAsIs(data)) { // a string or a boxed value needs no copy and no refusal slot
            String[] refusal = new String[1];
            data = freeze(request, refusal);
            if (refusal[0] != null) return err(Errno.INVALID_ARGUMENT, refusal[0]);
        }
        SysResult<Capability[]> detached = detachAll(request.transfers());
        if (!(detached instanceof SysResult.Ok<Capability[]>(Capability[] carried))) return errOf(detached);

        PendingCall previous = callRecords.get();
        PendingCall pc = previous;
        if (pc != null && pc.reusable()) {
            pc.rearm(via, request.type(), request.label(), data, carried);
        } else {
            pc = new PendingCall(Thread.currentThread(), pid, table, via, request.type(), request.label(), data, carried);
        }
        if (!e.queue.offer(pc)) {
            discardAll(carried);
            return kernel.failed(err(Errno.FULL, e.describe() + " has " + e.queue.capacity() + " calls queued"));
        }
        // The offer's producer-index CAS is what a parking server's strict poll re-reads after it
        // registered (Endpoint.poll): no fence of our own before we look for parked servers.
        e.receivers.wakeAllAfterAtomicPublish();
        if (e.dead() && pc.fail(PendingCall.QUEUED, Errno.DEAD_PEER, e.describe() + " has no server")) {
            discardAll(carried);
        }
        kernel.countCall(); // while the server works, not after the answer
        SysResult<Message> r = awaitReply(pc, e, timeout);
        if (pc != previous && pc.reusable()) callRecords.set(pc);
        kernel.recordCallOutcome(start, r);
        return r;
    }

    /**
     * How many state checks a busy-polling wait makes before its first clock read: a reply usually
     * arrives within a few hundred nanoseconds, and reading the clock, the capability and the
     * interrupt flag on every turn delays noticing it. Bounded by the spin budget (about 32 ns a
     * turn), never for a zero timeout.
     */
    private int burst(Duration timeout) {
        long spin = kernel.options().spinNanos();
        return spin <= 0 || timeout.isZero() ? 0 : (int) Math.min(256, spin >> 5);
    }

    private SysResult<Message> awaitReply(PendingCall pc, Endpoint e, Duration timeout) {
        ReplySlot slot = pc.slot;
        long sequence = pc.sequence;
        for (int i = burst(timeout); i > 0; i--) { // reads the reply's line only (see ReplySlot)
            int outcome = slot.outcome(sequence);
            if (outcome > 0) return SysResult.ok(slot.message(pid));
            if (outcome < 0) break; // failed: the loop below reads how
            Thread.onSpinWait();
        }
        long deadline = deadline(timeout);
        long spinUntil = System.nanoTime() + kernel.options().spinNanos();
        Thread me = Thread.currentThread();
        boolean registered = false;
        try {
            while (true) {
                int s = pc.state();
                if (s == PendingCall.REPLIED) return SysResult.ok(slot.message(pid));
                if (s == PendingCall.FAILED) return SysResult.err(pc.failure, pc.failureMessage);
                Errno abort = null;
                String why = null;
                if (!pc.via.live()) {
                    abort = Errno.REVOKED;
                    why = "the capability for " + e.describe() + " was revoked during the call";
                } else if (me.isInterrupted()) {
                    abort = Errno.CLOSED;
                    why = "call interrupted" + (process.terminationRequested() ? ": " + process.label() + " is terminating" : "");
                } else if (System.nanoTime() - deadline >= 0) {
                    abort = Errno.TIMEOUT;
                    why = "no reply from " + e.describe() + " within " + timeout.toMillis() + " ms";
                }
                if (abort != null) {
                    if (cancel(pc)) {
                        if (abort == Errno.CLOSED) {
                            Thread.interrupted();
                            process.checkpoint(); // a KILL unwinds here, after the call was cleaned up
                        }
                        return kernel.failed(SysResult.err(abort, why));
                    }
                    continue; // the reply (or failure) is being written: take it
                }
                long now = System.nanoTime();
                if (now - spinUntil < 0 || s == PendingCall.REPLYING) {
                    Thread.onSpinWait();
                    continue;
                }
                if (!registered) {
                    registered = true;
                    e.callers.add(me);
                    pc.clientParked = true;
                    java.lang.invoke.VarHandle.fullFence(); // StoreLoad: the server sees the flag or we see its state
                    continue; // re-check the state after announcing the park
                }
                try (KoshProcess.BlockScope ignored = process.block(BlockReason.IPC)) {
                    LockSupport.parkNanos(pc, deadline - now);
                }
            }
        } finally {
            if (registered) {
                pc.clientParked = false;
                e.callers.remove(me);
            }
        }
    }

    /** The client gives up; false if the server already answered (or is answering). */
    private boolean cancel(PendingCall pc) {
        if (pc.cas(PendingCall.QUEUED, PendingCall.CANCELLED)) {
            discardAll(pc.carried);
            return true;
        }
        if (pc.cas(PendingCall.RECEIVED, PendingCall.CANCELLED)) {
            ReplyObject r = pc.replyObject; // written before the server's QUEUED→RECEIVED CAS, which ours read
            if (r != null) {
                // the handle the server holds ends (DEAD_PEER), then the reply object is free for its next call
                space.retire(r.capability, dev.kosh.kernel.cap.EndReason.OBJECT_DESTROYED);
                r.arm(null); // release: publishes the retired handle to the server's next arm
            } else {
                space.destroy(pc, dev.kosh.kernel.cap.EndReason.OBJECT_DESTROYED); // the server's reply capability ends
            }
            return true;
        }
        return false;
    }

    private static long deadline(Duration timeout) {
        long n;
        try {
            n = timeout.toNanos();
        } catch (ArithmeticException overflow) {
            n = Long.MAX_VALUE / 4;
        }
        return System.nanoTime() + Math.min(n, Long.MAX_VALUE / 4);
    }

    @Override
    public SysResult<Message> receive(int handle, Duration timeout) {
        process.checkpoint();
        String badTimeout = checkTimeout(timeout);
        if (badTimeout != null) return err(Errno.INVALID_ARGUMENT, badTimeout);
        Capability c = table.fast(handle, ObjectType.ENDPOINT, RECEIVE);
        if (c != null) return receiveCall(c, (Endpoint) c.object(), timeout);
        c = table.fast(handle, ObjectType.CHANNEL, RECEIVE);
        if (c != null) return receiveChannel(c, (ChannelObject) c.object(), timeout);
        Capability any = table.lookup(handle);
        if (any == null) return errOf(table.resolve(handle, null, 0));
        ObjectType t = any.object().type();
        if (t != ObjectType.ENDPOINT && t != ObjectType.CHANNEL) {
            return err(Errno.WRONG_TYPE, "handle " + handle + " names " + any.object().describe() + "; receive needs an endpoint or a channel");
        }
        return errOf(table.resolve(handle, t, RECEIVE));
    }

    private SysResult<Message> receiveCall(Capability via, Endpoint e, Duration timeout) {
        PendingCall first = e.poll(false); // fast path: a caller is already waiting
        if (first != null) {
            SysResult<Message> taken = take(first, e);
            if (taken != null) return taken;
        }
        for (int i = burst(timeout); i > 0; i--) {
            PendingCall pc = e.poll(false); // relaxed: does not read the producers' index line the callers write
            if (pc == null) {
                Thread.onSpinWait();
                continue;
            }
            SysResult<Message> taken = take(pc, e);
            if (taken != null) return taken;
        }
        long deadline = deadline(timeout);
        long spinUntil = System.nanoTime() + kernel.options().spinNanos();
        Thread me = Thread.currentThread();
        boolean registered = false;
        try {
            while (true) {
                // Spinning: a relaxed poll (no read of the producers' index, which every call writes);
                // about to park: a strict one, so a call offered after we registered is not missed.
                PendingCall pc = e.poll(registered);
                if (pc != null) {
                    SysResult<Message> taken = take(pc, e);
                    if (taken != null) return taken;
                    continue; // cancelled or failed: its owner cleaned it up
                }
                SysResult<Message> stop = stopWaiting(via, e.dead(), e, deadline, timeout, me, true);
                if (stop != null) return stop;
                registered = idle(e, e.receivers, registered, spinUntil, deadline, me);
            }
        } finally {
            if (registered) e.receivers.remove(me);
        }
    }

    /**
     * One idle step of a receiver that found nothing to take: spin until {@code spinUntil}, then
     * register in {@code waiters} once (the caller's next pass re-checks before it parks, so a
     * sender that enqueued meanwhile is not missed), then park until {@code deadline}. Returns
     * whether the thread is now registered.
     */
    private boolean idle(Object blocker, Waiters waiters, boolean registered, long spinUntil, long deadline, Thread me) {
        long now = System.nanoTime();
        if (now - spinUntil < 0) {
            Thread.onSpinWait();
            return registered;
        }
        if (!registered) {
            waiters.add(me);
            return true;
        }
        try (KoshProcess.BlockScope ignored = process.block(BlockReason.IPC)) {
            LockSupport.parkNanos(blocker, deadline - now);
        }
        return true;
    }

    /**
     * Why a blocked receive must end now, or null to keep waiting. Runs on every turn of a spinning
     * receiver: it allocates nothing unless it answers (the object is described only then).
     */
    private SysResult<Message> stopWaiting(Capability via, boolean dead, dev.kosh.kernel.cap.KernelObject object, long deadline, Duration timeout, Thread me, boolean endpoint) {
        if (via.live() && !dead && !me.isInterrupted() && System.nanoTime() - deadline < 0) return null;
        String what = object.describe();
        if (!via.live()) return err(Errno.REVOKED, "the capability for " + what + " was revoked");
        if (dead) return err(endpoint ? Errno.DEAD_PEER : Errno.CLOSED, what + (endpoint ? " is dead" : " is closed and empty"));
        if (me.isInterrupted()) {
            Thread.interrupted();
            process.checkpoint();
            return err(Errno.CLOSED, "receive interrupted" + (process.terminationRequested() ? ": " + process.label() + " is terminating" : ""));
        }
        if (System.nanoTime() - deadline >= 0) {
            return timeout.isZero() ? err(Errno.WOULD_BLOCK, what + " has nothing to receive")
                    : err(Errno.TIMEOUT, "nothing from " + what + " within " + timeout.toMillis() + " ms");
        }
        return null;
    }

    /**
     * Claims a polled call (QUEUED→RECEIVED) and hands it to this server thread, or null if the
     * call was cancelled or failed meanwhile. Fast path: the thread's idle reply object is armed
     * with the call before the CAS (no lock, no capability minted); otherwise a one-shot reply
     * capability is minted as before.
     */
    private SysResult<Message> take(PendingCall pc, Endpoint e) {
        ReplyObject r = replyObjects.get();
        if (r != null && r.idle()) {
            int replyHandle = r.capability.handle(); // read before the CAS: a cancelling client retires exactly this one
            pc.replyObject = r;
            r.arm(pc); // only this thread arms r, and only while it is idle; the CAS below fences it
            if (!pc.cas(PendingCall.QUEUED, PendingCall.RECEIVED)) { // volatile CAS: publishes replyObject to the client
                r.arm(null);
                return null;
            }
            if (!r.capability.live()) {
                // The server's reply capability ended while we armed it (its process is exiting):
                // ReplyObject.destroyed either saw the arm and failed the call, or we fail it here
                // (the CAS above and the kill's volatile write order the two sides: one sees the other).
                pc.fail(PendingCall.RECEIVED, Errno.DEAD_PEER, "pid " + pid + " dropped the call without replying (exited or deleted the reply capability)");
                return null;
            }
            pc.serverPid = pid;
            if (e.lastServerPid != pid) e.lastServerPid = pid; // no store per call: clients read this cache line
            e.calls.increment();
            List<Integer> handles = attachAll(pc.carried, table);
            return SysResult.ok(new Message(pc.clientPid, pid, pc.type, pc.label, pc.data, handles, pc.via.badge(), replyHandle));
        }
        if (!pc.cas(PendingCall.QUEUED, PendingCall.RECEIVED)) return null;
        return accept(pc, e, r == null || !r.capability.live());
    }

    /** The slow path: the call's own one-shot reply capability goes into this table (and a reply object for next time). */
    private SysResult<Message> accept(PendingCall pc, Endpoint e, boolean newReplyObject) {
        pc.serverPid = pid;
        if (e.lastServerPid != pid) e.lastServerPid = pid;
        e.calls.increment();
        List<Integer> handles = attachAll(pc.carried, table);
        SysResult<Integer> replyCap = space.mint(table, pc, REPLY_RIGHTS);
        if (!(replyCap instanceof SysResult.Ok<Integer>(Integer replyHandle))) {
            pc.fail(PendingCall.RECEIVED, Errno.DEAD_PEER, "pid " + pid + " could not take the call: " + ((SysResult.Err<Integer>) replyCap).message());
            return errOf(replyCap);
        }
        if (newReplyObject) {
            // this thread's reusable reply object, for its next call (not when the table is near its quota)
            ReplyObject r = new ReplyObject(Thread.currentThread().getName());
            if (space.mint(table, r, REPLY_RIGHTS) instanceof SysResult.Ok<Integer>(Integer h)) {
                r.capability = table.lookup(h);
                if (r.capability != null) replyObjects.set(r);
            }
        }
        return SysResult.ok(new Message(pc.clientPid, pid, pc.type, pc.label, pc.data, handles, pc.via.badge(), replyHandle));
    }

    @Override
    public SysResult<Message> replyReceive(int replyHandle, Outgoing response, int endpoint, Duration timeout) {
        return replyReceive(replyHandle, response, endpoint, timeout, false);
    }

    /**
     * {@link #replyReceive}; with {@code dispatcher} (the protocol server's loop) an answer whose
     * handle is not usable (it ended) is dropped like one to a caller who gave up, so that only
     * INVALID_ARGUMENT (the answer cannot be sent: the dispatcher answers with the reason instead)
     * stops before the receive.
     */
    SysResult<Message> replyReceive(int replyHandle, Outgoing response, int endpoint, Duration timeout, boolean dispatcher) {
        process.checkpoint();
        String badTimeout = checkTimeout(timeout);
        if (badTimeout != null) return err(Errno.INVALID_ARGUMENT, badTimeout);
        // the endpoint first: a server that cannot receive has sent nothing either
        Capability via = table.fast(endpoint, ObjectType.ENDPOINT, RECEIVE);
        if (via == null) return errOf(table.resolve(endpoint, ObjectType.ENDPOINT, RECEIVE));
        if (replyHandle != 0) {
            SysResult<Void> sent = answer(replyHandle, response);
            // a caller that gave up is not the server's error: drop the answer and serve the next one (seL4)
            if (sent instanceof SysResult.Err<Void> e && e.errno() != Errno.DEAD_PEER && (!dispatcher || e.errno() == Errno.INVALID_ARGUMENT)) {
                return errOf(sent);
            }
        } else if (response != null) {
            return err(Errno.INVALID_ARGUMENT, "no reply handle, so nothing to answer: the response must be null");
        }
        return receiveCall(via, (Endpoint) via.object(), timeout);
    }

    @Override
    public SysResult<Void> reply(int replyHandle, Outgoing response) {
        process.checkpoint();
        return answer(replyHandle, response);
    }

    /** {@link #reply} after the checkpoint (shared with {@link #replyReceive}). */
    private SysResult<Void> answer(int replyHandle, Outgoing response) {
        if (response == null || response.type() == null) return err(Errno.INVALID_ARGUMENT, "reply needs a message with a type");
        Capability rc = table.fast(replyHandle, ObjectType.REPLY, REPLY);
        if (rc == null) return errOf(table.resolve(replyHandle, ObjectType.REPLY, REPLY));
        Object data = response.data();
        if (!Payloads.passesAsIs(data)) { // a string or a boxed value needs no copy and no refusal slot
            String[] refusal = new String[1];
            data = freeze(response, refusal);
            if (refusal[0] != null) return err(Errno.INVALID_ARGUMENT, refusal[0]);
        }
        SysResult<Capability[]> detached = detachAll(response.transfers());
        if (!(detached instanceof SysResult.Ok<Capability[]>(Capability[] carried))) return errOf(detached);
        if (rc.object() instanceof ReplyObject r) {
            PendingCall armed = r.call; // volatile read: after it, a handle retired by a cancelling client is visible
            if (armed == null || rc.handle() != replyHandle) {
                discardAll(carried);
                SysResult<Capability> now = table.resolve(replyHandle, ObjectType.REPLY, REPLY);
                return now.isOk() ? err(Errno.INVALID_HANDLE, "handle " + replyHandle + " (" + r.describe() + ") has no call to answer") : errOf(now);
            }
            if (carried.length == 0) {
                // The common reply: nothing to install in the caller's table, so the answer can be
                // written first and published by the one CAS RECEIVED→REPLIED (no REPLYING step).
                if (!armed.completeDirectly(pid, response.type(), response.label(), data)) {
                    return err(Errno.DEAD_PEER, "caller pid " + armed.clientPid + " is no longer waiting (timed out, revoked or exited)");
                }
                space.reissue(rc); // one-shot: the used handle ends; no lock (we won the call's CAS)
                r.arm(null);       // release: the reply object is idle again, its new handle published
                return okNull();
            }
            if (!armed.cas(PendingCall.RECEIVED, PendingCall.REPLYING)) {
                discardAll(carried); // the caller gave up, or the call failed: that side frees the reply object
                return err(Errno.DEAD_PEER, "caller pid " + armed.clientPid + " is no longer waiting (timed out, revoked or exited)");
            }
            space.reissue(rc); // one-shot: the used handle ends; no lock (we won the call's CAS)
            r.arm(null);       // release: the reply object is idle again, its new handle published
            List<Integer> handles = attachAll(carried, armed.clientTable);
            armed.complete(pid, response.type(), response.label(), data, handles);
            return okNull();
        }
        PendingCall pc = (PendingCall) rc.object();
        if (!pc.cas(PendingCall.RECEIVED, PendingCall.REPLYING)) {
            space.delete(table, replyHandle);
            discardAll(carried);
            return err(Errno.DEAD_PEER, "caller pid " + pc.clientPid + " is no longer waiting (timed out, revoked or exited)");
        }
        space.delete(table, replyHandle); // one-shot; destroyed() sees REPLYING and leaves the call alone
        List<Integer> handles = attachAll(carried, pc.clientTable);
        pc.complete(pid, response.type(), response.label(), data, handles);
        return okNull();
    }

    // ---- channels ----------------------------------------------------------------------------

    @Override
    public SysResult<Void> send(int channel, Outgoing message, Duration timeout) {
        process.checkpoint();
        String badTimeout = checkTimeout(timeout);
        if (message == null || message.type() == null || badTimeout != null) {
            return err(Errno.INVALID_ARGUMENT, badTimeout != null ? badTimeout : "send needs a message with a type");
        }
        Capability via = table.fast(channel, ObjectType.CHANNEL, SEND);
        if (via == null) return errOf(table.resolve(channel, ObjectType.CHANNEL, SEND));
        ChannelObject ch = (ChannelObject) via.object();
        if (ch.closed) return err(Errno.CLOSED, ch.describe() + " is closed");
        Object data = message.data();
        if (!Payloads.passesAsIs(data)) { // a string or a boxed value needs no copy and no refusal slot
            String[] refusal = new String[1];
            data = freeze(message, refusal);
            if (refusal[0] != null) return err(Errno.INVALID_ARGUMENT, refusal[0]);
        }
        SysResult<Capability[]> detached = detachAll(message.transfers());
        if (!(detached instanceof SysResult.Ok<Capability[]>(Capability[] carried))) return errOf(detached);
        long badge = via.badge(); // the receiver sees the badge of the capability the sender used
        if (ch.offerOne(pid, badge, message.type(), message.label(), data, carried)) return sent(ch);
        if (timeout.isZero() || ch.closed) {
            discardAll(carried);
            return ch.closed ? err(Errno.CLOSED, ch.describe() + " was closed") : ch.fullError();
        }
        long deadline = deadline(timeout);
        long spinUntil = System.nanoTime() + kernel.options().spinNanos();
        Thread me = Thread.currentThread();
        ch.senders.add(me);
        try (KoshProcess.BlockScope ignored = process.block(BlockReason.IPC)) {
            while (true) {
                if (ch.offerOne(pid, badge, message.type(), message.label(), data, carried)) return sent(ch);
                SysResult<Integer> stop = stopSending(via, ch, deadline, timeout, me);
                if (stop != null) {
                    discardAll(carried);
                    if (((SysResult.Err<Integer>) stop).errno() == Errno.CLOSED) process.checkpoint();
                    return errOf(stop);
                }
                waitForRoom(ch, spinUntil, deadline);
            }
        } finally {
            ch.senders.remove(me);
        }
    }

    /**
     * One idle step of a sender on a full channel: spin until {@code spinUntil} (room usually comes
     * within microseconds when the receiver is running), then park at most 1 ms (a receiver wakes
     * waiting senders, but without the fence a waiter would need; the bound covers that).
     */
    private static void waitForRoom(ChannelObject ch, long spinUntil, long deadline) {
        long now = System.nanoTime();
        if (now - spinUntil < 0) Thread.onSpinWait();
        else LockSupport.parkNanos(ch, Math.min(deadline - now, 1_000_000L));
    }

    /** Why a sender waiting for room must stop now, or null to keep waiting. */
    private SysResult<Integer> stopSending(Capability via, ChannelObject ch, long deadline, Duration timeout, Thread me) {
        if (!via.live()) return err(Errno.REVOKED, "the capability for " + ch.describe() + " was revoked");
        if (ch.closed) return err(Errno.CLOSED, ch.describe() + " was closed");
        if (me.isInterrupted()) {
            Thread.interrupted();
            return err(Errno.CLOSED, "send interrupted"); // the caller cleans up, then its checkpoint lets a KILL unwind
        }
        if (System.nanoTime() - deadline >= 0) return err(Errno.TIMEOUT, ch.describe() + " still full after " + timeout.toMillis() + " ms");
        return null;
    }

    /** The range check of the batched sends; null if {@code [offset, offset + count)} is inside an array of {@code length}. */
    private static String badRange(String call, int length, int offset, int count, boolean isNull) {
        if (!isNull && count >= 1 && count <= MAX_CHANNEL_CAPACITY && offset >= 0 && offset <= length - count) return null;
        return call + " needs 1 to " + MAX_CHANNEL_CAPACITY + " messages inside the array, not " + count + " from " + offset
                + (isNull ? " of null" : " of " + length);
    }

    @Override
    public SysResult<Integer> sendMany(int channel, Outgoing[] messages, int offset, int count, Duration timeout) {
        process.checkpoint();
        String bad = checkTimeout(timeout);
        if (bad == null) bad = badRange("sendMany", messages == null ? 0 : messages.length, offset, count, messages == null);
        if (bad != null) return err(Errno.INVALID_ARGUMENT, bad);
        Capability via = table.fast(channel, ObjectType.CHANNEL, SEND);
        if (via == null) return errOf(table.resolve(channel, ObjectType.CHANNEL, SEND));
        ChannelObject ch = (ChannelObject) via.object();
        if (ch.closed) return err(Errno.CLOSED, ch.describe() + " is closed");
        if (timeout.isZero() && ch.full()) return ch.fullError(); // before checking and copying the batch
        // Check every message before sending any, on a copy of the caller's array: another thread of
        // the sender may change its array meanwhile, and what goes out must be what was checked.
        Outgoing[] batch = java.util.Arrays.copyOfRange(messages, offset, offset + count);
        Object[] data = new Object[count];
        for (int i = 0; i < count; i++) {
            Outgoing m = batch[i];
            if (m == null || m.type() == null) return err(Errno.INVALID_ARGUMENT, "message " + (offset + i) + " is null or has no type");
            if (!m.transfers().isEmpty()) return err(Errno.INVALID_ARGUMENT, "message " + (offset + i) + " carries capabilities: send it with send()");
            Object d = m.data();
            if (!Payloads.passesAsIs(d)) {
                String[] refusal = new String[1];
                d = freeze(m, refusal);
                if (refusal[0] != null) return err(Errno.INVALID_ARGUMENT, "message " + (offset + i) + ": " + refusal[0]);
            }
            data[i] = d;
        }
        return sendBatch(via, ch, batch, null, 0, data, timeout);
    }

    @Override
    public SysResult<Integer> sendData(int channel, MessageType type, int label, Object[] values, int offset, int count, Duration timeout) {
        process.checkpoint();
        String bad = checkTimeout(timeout);
        if (bad == null) bad = badRange("sendData", values == null ? 0 : values.length, offset, count, values == null);
        if (bad == null && type == null) bad = "sendData needs a message type";
        if (bad != null) return err(Errno.INVALID_ARGUMENT, bad);
        Capability via = table.fast(channel, ObjectType.CHANNEL, SEND);
        if (via == null) return errOf(table.resolve(channel, ObjectType.CHANNEL, SEND));
        ChannelObject ch = (ChannelObject) via.object();
        if (ch.closed) return err(Errno.CLOSED, ch.describe() + " is closed");
        if (timeout.isZero() && ch.full()) return ch.fullError(); // before checking and copying the batch
        Object[] data = java.util.Arrays.copyOfRange(values, offset, offset + count, Object[].class); // checked and sent from our copy (see sendMany)
        for (int i = 0; i < count; i++) {
            Object d = data[i];
            if (Payloads.passesAsIs(d)) continue;
            try {
                data[i] = Payloads.freeze(d);
            } catch (Payloads.Refused r) {
                return err(Errno.INVALID_ARGUMENT, "value " + (offset + i) + ": " + r.getMessage());
            }
        }
        return sendBatch(via, ch, null, type, label, data, timeout);
    }

    /**
     * Offers a checked batch ({@code messages} with their own types and labels, or one
     * {@code type}/{@code label} for all), as many as fit; waits only while none fits. One capability
     * check, one producer turn and one wake-up per batch.
     */
    private SysResult<Integer> sendBatch(Capability via, ChannelObject ch, Outgoing[] messages, MessageType type, int label, Object[] data, Duration timeout) {
        long badge = via.badge();
        int n = messages != null ? ch.offerMessages(pid, badge, messages, data, data.length) : ch.offerRun(pid, badge, type, label, data, data.length);
        if (n > 0) return sentMany(ch, n);
        if (ch.closed) return err(Errno.CLOSED, ch.describe() + " was closed");
        if (timeout.isZero()) return ch.fullError();
        long deadline = deadline(timeout);
        long spinUntil = System.nanoTime() + kernel.options().spinNanos();
        Thread me = Thread.currentThread();
        ch.senders.add(me);
        try (KoshProcess.BlockScope ignored = process.block(BlockReason.IPC)) {
            while (true) {
                n = messages != null ? ch.offerMessages(pid, badge, messages, data, data.length) : ch.offerRun(pid, badge, type, label, data, data.length);
                if (n > 0) return sentMany(ch, n);
                SysResult<Integer> stop = stopSending(via, ch, deadline, timeout, me);
                if (stop != null) {
                    if (((SysResult.Err<Integer>) stop).errno() == Errno.CLOSED) process.checkpoint();
                    return stop;
                }
                waitForRoom(ch, spinUntil, deadline);
            }
        } finally {
            ch.senders.remove(me);
        }
    }

    private static SysResult<Integer> sentMany(ChannelObject ch, int n) {
        ch.receivers.wakeAll(); // one fence per batch, then wake the receiver if it is parked
        return SysResult.ok(n);
    }

    private static SysResult<Void> sent(ChannelObject ch) {
        ch.receivers.wakeAll(); // fence, then wake the receiver if it is parked
        return okNull();
    }

    /** What a channel receive hands over: one {@link Message}, a {@code Message[]} batch, or a data batch. */
    private static final int ONE = 0, MANY = 1, DATA = 2;

    @Override
    public SysResult<Integer> receiveMany(int channel, Message[] into, Duration timeout) {
        process.checkpoint();
        String badTimeout = checkTimeout(timeout);
        if (badTimeout != null) return err(Errno.INVALID_ARGUMENT, badTimeout);
        if (into == null || into.length == 0) return err(Errno.INVALID_ARGUMENT, "receiveMany needs a non-empty array");
        Capability via = table.fast(channel, ObjectType.CHANNEL, RECEIVE);
        if (via == null) return errOf(table.resolve(channel, ObjectType.CHANNEL, RECEIVE));
        return receiveChannel(via, (ChannelObject) via.object(), timeout, MANY, into);
    }

    @Override
    public SysResult<ChannelBatch> receiveData(int channel, Object[] into, Duration timeout) {
        process.checkpoint();
        String badTimeout = checkTimeout(timeout);
        if (badTimeout != null) return err(Errno.INVALID_ARGUMENT, badTimeout);
        if (into == null || into.length == 0 || into.getClass() != Object[].class) {
            return err(Errno.INVALID_ARGUMENT, "receiveData needs a non-empty Object[] (" + (into == null ? "null" : into.getClass().getSimpleName()) + ")");
        }
        Capability via = table.fast(channel, ObjectType.CHANNEL, RECEIVE);
        if (via == null) return errOf(table.resolve(channel, ObjectType.CHANNEL, RECEIVE));
        return receiveChannel(via, (ChannelObject) via.object(), timeout, DATA, into);
    }

    private SysResult<Message> receiveChannel(Capability via, ChannelObject ch, Duration timeout) {
        return receiveChannel(via, ch, timeout, ONE, null);
    }

    /** Waits for the first message (one receiving thread at a time), then hands over what {@code mode} asks for. */
    private <R> SysResult<R> receiveChannel(Capability via, ChannelObject ch, Duration timeout, int mode, Object[] into) {
        if (ch.tryConsume()) { // fast path: no clock reads when a message is waiting
            try {
                SysResult<R> got = deliver(ch, mode, into);
                if (got != null) return got;
            } finally {
                ch.releaseConsumer();
            }
        }
        long deadline = deadline(timeout);
        long spinUntil = System.nanoTime() + kernel.options().spinNanos();
        Thread me = Thread.currentThread();
        boolean registered = false;
        while (!ch.tryConsume()) { // one receiving thread at a time
            SysResult<Message> stop = stopWaiting(via, false, ch, deadline, timeout, me, false);
            if (stop != null) return errOf(stop);
            Thread.onSpinWait();
        }
        try {
            while (true) {
                SysResult<R> got = deliver(ch, mode, into);
                if (got != null) return got;
                SysResult<Message> stop = stopWaiting(via, ch.closed && ch.drained(), ch, deadline, timeout, me, false);
                if (stop != null) return errOf(stop);
                registered = idle(ch, ch.receivers, registered, spinUntil, deadline, me);
            }
        } finally {
            if (registered) ch.receivers.remove(me);
            ch.releaseConsumer();
        }
    }

    /** Consumer held: what is waiting, as {@code mode} asks, or null if nothing is. Wakes waiting senders once. */
    @SuppressWarnings("unchecked")
    private <R> SysResult<R> deliver(ChannelObject ch, int mode, Object[] into) {
        SysResult<?> r;
        if (mode == DATA) {
            int n = ch.drain(into, into.length);
            if (n == 0) return null;
            ChannelObject.Header h = ch.taken();
            r = SysResult.ok(new ChannelBatch(n, h.sender, h.badge, h.type, h.label, attachTaken(h)));
        } else {
            Object data = ch.takeOne();
            if (data == ChannelObject.EMPTY) return null;
            Message first = message(ch.taken(), data);
            if (mode == ONE) {
                r = SysResult.ok(first);
            } else {
                into[0] = first;
                int n = 1;
                while (n < into.length && (data = ch.takeOne()) != ChannelObject.EMPTY) into[n++] = message(ch.taken(), data);
                r = SysResult.ok(n);
            }
        }
        if (!ch.senders.isEmpty()) ch.senders.wakeAll(); // once per call
        return (SysResult<R>) r;
    }

    private Message message(ChannelObject.Header h, Object data) {
        return new Message(h.sender, pid, h.type, h.label, data, attachTaken(h), h.badge, 0);
    }

    /** The capabilities a taken message carried, installed in this table (once: the header forgets them). */
    private List<Integer> attachTaken(ChannelObject.Header h) {
        Capability[] carried = h.take();
        return carried.length == 0 ? NO_HANDLES : attachAll(carried, table);
    }

    @Override
    public SysResult<Void> closeChannel(int channel) {
        process.checkpoint();
        Capability c = table.lookup(channel);
        if (c == null) return errOf(table.resolve(channel, ObjectType.CHANNEL, 0));
        if (c.object().type() != ObjectType.CHANNEL) return errOf(table.resolve(channel, ObjectType.CHANNEL, 0));
        if (!c.has(Right.SEND) && !c.has(Right.RECEIVE)) return errOf(table.resolve(channel, ObjectType.CHANNEL, SEND));
        ((ChannelObject) c.object()).close();
        return okNull();
    }

    // ---- notifications -----------------------------------------------------------------------

    @Override
    public SysResult<Void> signal(int notification, long bits) {
        process.checkpoint();
        if (bits == 0) return err(Errno.INVALID_ARGUMENT, "signal needs at least one bit");
        Capability c = table.fast(notification, ObjectType.NOTIFICATION, Right.SIGNAL.bit());
        if (c == null) return errOf(table.resolve(notification, ObjectType.NOTIFICATION, Right.SIGNAL));
        ((NotificationObject) c.object()).signal(bits);
        return okNull();
    }

    @Override
    public SysResult<Long> waitSignal(int notification, Duration timeout) {
        process.checkpoint();
        String badTimeout = checkTimeout(timeout);
        if (badTimeout != null) return err(Errno.INVALID_ARGUMENT, badTimeout);
        Capability c = table.fast(notification, ObjectType.NOTIFICATION, Right.WAIT.bit());
        if (c == null) return errOf(table.resolve(notification, ObjectType.NOTIFICATION, Right.WAIT));
        NotificationObject n = (NotificationObject) c.object();
        long deadline = deadline(timeout);
        Thread me = Thread.currentThread();
        boolean registered = false;
        try {
            while (true) {
                if (n.word.get() != 0) {
                    long bits = n.word.getAndSet(0);
                    if (bits != 0) return SysResult.ok(bits);
                }
                SysResult<Message> stop = stopWaiting(c, false, n, deadline, timeout, me, false);
                if (stop != null) return errOf(stop);
                if (!registered) {
                    registered = true;
                    n.waiters.add(me);
                    continue;
                }
                try (KoshProcess.BlockScope ignored = process.block(BlockReason.IPC)) {
                    LockSupport.parkNanos(n, deadline - System.nanoTime());
                }
            }
        } finally {
            if (registered) n.waiters.remove(me);
        }
    }

    @Override
    public SysResult<Void> bindSignals(int notification) {
        process.checkpoint();
        if (notification == 0) {
            process.observeSignals(null);
            return okNull();
        }
        Capability c = table.fast(notification, ObjectType.NOTIFICATION, Right.SIGNAL.bit());
        if (c == null) return errOf(table.resolve(notification, ObjectType.NOTIFICATION, Right.SIGNAL));
        NotificationObject n = (NotificationObject) c.object();
        // Bound to the capability: once it is deleted or revoked, signals stop arriving.
        process.observeSignals(bit -> {
            if (c.live()) n.signal(bit);
        });
        return okNull();
    }

    // ---- clients' ends (death notification: the registry is the kernel's ClientWatches) ------

    @Override
    public SysResult<Void> watchClients(int endpoint, int notification, long bits) {
        process.checkpoint();
        Capability e = table.fast(endpoint, ObjectType.ENDPOINT, Right.RECEIVE.bit());
        if (e == null) return errOf(table.resolve(endpoint, ObjectType.ENDPOINT, Right.RECEIVE));
        Runnable wake = null;
        if (notification != 0) {
            Capability c = table.fast(notification, ObjectType.NOTIFICATION, Right.SIGNAL.bit());
            if (c == null) return errOf(table.resolve(notification, ObjectType.NOTIFICATION, Right.SIGNAL));
            if (bits == 0) return err(Errno.INVALID_ARGUMENT, "a client watch with a notification needs bits to set");
            NotificationObject n = (NotificationObject) c.object();
            wake = () -> {
                if (c.live()) n.signal(bits); // bound to the capability, as bindSignals is
            };
        }
        dev.kosh.kernel.process.ClientWatches watches = process.clientWatches();
        if (watches == null) return err(Errno.UNAVAILABLE, "no process table: client watches are not available");
        return watches.watch(process, e.object(), wake);
    }

    @Override
    public SysResult<long[]> exitedClients(int endpoint) {
        process.checkpoint();
        Capability e = table.fast(endpoint, ObjectType.ENDPOINT, Right.RECEIVE.bit());
        if (e == null) return errOf(table.resolve(endpoint, ObjectType.ENDPOINT, Right.RECEIVE));
        dev.kosh.kernel.process.ClientWatches watches = process.clientWatches();
        if (watches == null) return err(Errno.UNAVAILABLE, "no process table: client watches are not available");
        return watches.take(process, e.object());
    }

    // ---- shared memory -----------------------------------------------------------------------

    @Override
    public SysResult<SharedMapping> map(int region) {
        process.checkpoint();
        Capability c = table.fast(region, ObjectType.SHARED_MEMORY, Right.READ.bit());
        if (c == null) return errOf(table.resolve(region, ObjectType.SHARED_MEMORY, Right.READ));
        SharedMappingImpl m = ((SharedRegion) c.object()).map(c, c.has(Right.WRITE));
        if (m == null) return err(Errno.REVOKED, "handle " + region + " ended while being mapped");
        return SysResult.ok(m);
    }

    // ---- services ----------------------------------------------------------------------------

    @Override
    public SysResult<Void> register(String name, int endpoint) {
        process.checkpoint();
        return kernel.directory().register(process, name, endpoint);
    }

    @Override
    public SysResult<Integer> lookup(String name) {
        process.checkpoint();
        return kernel.directory().lookup(process, name);
    }

    @Override
    public <P> SysResult<P> connect(Class<P> protocol, int endpoint, Duration timeout) {
        process.checkpoint();
        return ProtocolStub.connect(this, protocol, endpoint, timeout);
    }

    @Override
    public <P> SysResult<Void> serve(Class<P> protocol, P implementation, int endpoint) {
        process.checkpoint();
        return ProtocolServer.serve(this, process, protocol, implementation, endpoint);
    }

    static MessageType typeOf(Outgoing o) {
        return o.type();
    }
}
