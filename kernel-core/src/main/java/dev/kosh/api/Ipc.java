package dev.kosh.api;

import java.time.Duration;

/**
 * The IPC system calls of one process ({@link ProcessContext#ipc()}). Every handle is a small
 * integer into the caller's capability table; every call validates handle, object type, rights and
 * arguments first and answers a typed error (see docs/ipc.md for each call's list), then acts.
 * Nothing a process passes makes the kernel throw.
 *
 * <p>Timeouts: {@code Duration.ZERO} means "do not wait" ({@link Errno#WOULD_BLOCK} when there is
 * nothing to take, {@link Errno#FULL} when there is no room); a positive duration waits at most
 * that long ({@link Errno#TIMEOUT}). A blocked call returns {@link Errno#REVOKED} as soon as the
 * capability it uses is revoked, {@link Errno#DEAD_PEER} as soon as the other side is gone, and
 * {@link Errno#CLOSED} when the calling process is asked to terminate.
 *
 * <p>Threads: every method may be called from any thread of the owning process.
 */
public interface Ipc {

    // ---- creating objects: the creator gets a capability with every right the object uses ----

    /** A new endpoint; the handle has CALL, RECEIVE and GRANT. */
    SysResult<Integer> createEndpoint();

    /** A new channel holding at most {@code capacity} messages (2..65536); SEND, RECEIVE and GRANT. */
    SysResult<Integer> createChannel(int capacity);

    /**
     * A new channel, as {@link #createChannel(int)}; with {@code singleSender} it is built for one
     * sending thread (a single-producer queue: the fastest channel). Several senders still work,
     * correctly, but take turns. Errors: INVALID_ARGUMENT, QUOTA_EXCEEDED.
     */
    default SysResult<Integer> createChannel(int capacity, boolean singleSender) {
        return singleSender ? SysResult.err(Errno.UNAVAILABLE, "single-sender channels are not available") : createChannel(capacity);
    }

    /** A new notification word; SIGNAL, WAIT and GRANT. */
    SysResult<Integer> createNotification();

    /** A new zeroed shared-memory region of {@code bytes} (counted against the process's quota); READ, WRITE and GRANT. */
    SysResult<Integer> createSharedMemory(long bytes);

    // ---- endpoints -------------------------------------------------------------------------

    /**
     * Sends {@code request} on an endpoint (needs CALL) and waits for the reply. The server sees the
     * badge of the capability used. Errors: INVALID_HANDLE, WRONG_TYPE, MISSING_RIGHT,
     * INVALID_ARGUMENT, FULL (too many callers queued), TIMEOUT, DEAD_PEER, REVOKED, CLOSED.
     */
    SysResult<Message> call(int endpoint, Outgoing request, Duration timeout);

    /**
     * Takes the next message: from an endpoint (needs RECEIVE; the message carries a one-shot
     * {@link Message#replyHandle()}), or from a channel (needs RECEIVE). Errors: INVALID_HANDLE,
     * WRONG_TYPE, MISSING_RIGHT, INVALID_ARGUMENT, WOULD_BLOCK, TIMEOUT, REVOKED, CLOSED (a closed
     * channel with nothing left, or termination).
     */
    SysResult<Message> receive(int handle, Duration timeout);

    /**
     * Answers a call through its reply capability (needs REPLY), which is used up. Errors:
     * INVALID_HANDLE, WRONG_TYPE, MISSING_RIGHT, INVALID_ARGUMENT, DEAD_PEER (the caller gave up or
     * exited).
     */
    SysResult<Void> reply(int replyHandle, Outgoing response);

    /**
     * A server loop's one system call per request (seL4's ReplyRecv): answers the call behind
     * {@code replyHandle} as {@link #reply} does, then waits for the next call on {@code endpoint}
     * as {@link #receive} does. {@code replyHandle} 0 (no handle is 0) answers nothing (the loop's
     * first turn; {@code response} must then be null). Everything is checked before the answer
     * goes out: an error about the endpoint, the timeout, the reply handle or the response
     * (INVALID_HANDLE, WRONG_TYPE, MISSING_RIGHT, INVALID_ARGUMENT, REVOKED) means nothing was sent
     * and nothing received. A caller that is no longer waiting (it timed out, was revoked or
     * exited: {@link #reply} would answer DEAD_PEER) is no error here: the answer is dropped and
     * the next call received, as seL4 does. After the answer went out, the errors are those of
     * {@link #receive} on an endpoint (WOULD_BLOCK, TIMEOUT, REVOKED, DEAD_PEER, CLOSED).
     */
    default SysResult<Message> replyReceive(int replyHandle, Outgoing response, int endpoint, Duration timeout) {
        if (replyHandle != 0) {
            SysResult<Void> sent = reply(replyHandle, response);
            if (sent instanceof SysResult.Err<Void> e && e.errno() != Errno.DEAD_PEER) return SysResult.err(e.errno(), e.message());
        } else if (response != null) {
            return SysResult.err(Errno.INVALID_ARGUMENT, "no reply handle, so nothing to answer: the response must be null");
        }
        return receive(endpoint, timeout);
    }

    // ---- channels --------------------------------------------------------------------------

    /**
     * Puts a message on a channel (needs SEND). With a zero timeout a full channel answers FULL at
     * once; otherwise the call waits for room up to the timeout (TIMEOUT). Never a silent drop.
     * Errors: INVALID_HANDLE, WRONG_TYPE, MISSING_RIGHT, INVALID_ARGUMENT, FULL, TIMEOUT, CLOSED,
     * REVOKED.
     */
    SysResult<Void> send(int channel, Outgoing message, Duration timeout);

    /**
     * Puts {@code count} messages from {@code messages[offset]} on a channel (needs SEND) under one
     * capability check, in order, as many as there is room for; waits (up to the timeout) only
     * while not even the first fits. Answers how many were sent (at least 1); the rest were not
     * sent. Every message is checked before any is sent. Batches carry data only: a message with
     * transfers is INVALID_ARGUMENT (send capabilities with {@link #send}). Errors: as
     * {@link #send}, and INVALID_ARGUMENT for a bad range, a null message or more than 65536.
     */
    default SysResult<Integer> sendMany(int channel, Outgoing[] messages, int offset, int count, Duration timeout) {
        return SysResult.err(Errno.UNAVAILABLE, "sendMany is not available");
    }

    /**
     * Takes up to {@code into.length} messages from a channel (needs RECEIVE) under one capability
     * check into {@code into[0..n)}; waits (up to the timeout) only for the first. Answers n (at
     * least 1). Errors: as {@link #receive} on a channel (an endpoint is WRONG_TYPE), and
     * INVALID_ARGUMENT for a null or empty array.
     */
    default SysResult<Integer> receiveMany(int channel, Message[] into, Duration timeout) {
        return SysResult.err(Errno.UNAVAILABLE, "receiveMany is not available");
    }

    /**
     * The data plane of a channel: puts {@code count} values from {@code data[offset]} on a channel
     * (needs SEND) as messages of one {@code type} and {@code label}, under one capability check,
     * in order, as many as there is room for; waits (up to the timeout) only while not even the
     * first fits. Answers how many were sent (at least 1). Every value is checked (and copied when
     * mutable, as {@link Outgoing} data) before any is sent. No message object is made per value:
     * receive them with {@link #receiveData} (or as ordinary messages with {@link #receive} /
     * {@link #receiveMany}). Errors: as {@link #sendMany}.
     */
    default SysResult<Integer> sendData(int channel, MessageType type, int label, Object[] data, int offset, int count, Duration timeout) {
        return SysResult.err(Errno.UNAVAILABLE, "sendData is not available");
    }

    /**
     * Takes up to {@code into.length} messages of one run (same sender, badge, type and label; see
     * {@link ChannelBatch}) from a channel (needs RECEIVE), their data into {@code into[0..n)},
     * under one capability check; waits (up to the timeout) only for the first. Errors: as
     * {@link #receiveMany}.
     */
    default SysResult<ChannelBatch> receiveData(int channel, Object[] into, Duration timeout) {
        return SysResult.err(Errno.UNAVAILABLE, "receiveData is not available");
    }

    /** Closes a channel (needs SEND or RECEIVE): no more sends; what it holds can still be received. */
    SysResult<Void> closeChannel(int channel);

    // ---- notifications ---------------------------------------------------------------------

    /** ORs {@code bits} (non-zero) into a notification (needs SIGNAL) and wakes a waiter. */
    SysResult<Void> signal(int notification, long bits);

    /**
     * Waits until a notification has bits set (needs WAIT), then takes and clears all of them.
     * Errors: INVALID_HANDLE, WRONG_TYPE, MISSING_RIGHT, INVALID_ARGUMENT, WOULD_BLOCK, TIMEOUT,
     * REVOKED, CLOSED.
     */
    SysResult<Long> waitSignal(int notification, Duration timeout);

    /**
     * Asks the kernel to set {@link Signal#bit()} on this notification (needs SIGNAL) for every
     * signal delivered to this process, after the signal's own effect (so TERM, CHLD, STOP and CONT
     * can be waited for with {@link #waitSignal}). {@code 0} unbinds. Replaces an earlier binding.
     */
    SysResult<Void> bindSignals(int notification);

    // ---- clients' ends (death notification) ------------------------------------------------

    /**
     * Asks to be told when a client of an endpoint ends (needs RECEIVE on the endpoint): when a
     * process holding a badged capability to it exits, crashes or is killed, its badge (the identity
     * the server already sees on its calls, never a pid) is kept for {@link #exitedClients}, and
     * {@code bits} are set on {@code notification} (needs SIGNAL; {@code 0} for no notification: the
     * server then polls {@link #exitedClients}). Each badge is reported once; nothing is lost while
     * the server is busy. Replaces an earlier watch on the same endpoint. Errors: INVALID_HANDLE,
     * WRONG_TYPE, MISSING_RIGHT, REVOKED, INVALID_ARGUMENT (a notification with {@code bits} 0),
     * QUOTA_EXCEEDED (64 watches), CLOSED.
     */
    default SysResult<Void> watchClients(int endpoint, int notification, long bits) {
        return SysResult.err(Errno.UNAVAILABLE, "watchClients is not available");
    }

    /**
     * Takes the badges of the clients of a watched endpoint that ended since the last call, in the
     * order they ended (needs RECEIVE). Errors: as {@link #watchClients}; INVALID_ARGUMENT when the
     * endpoint is not watched.
     */
    default SysResult<long[]> exitedClients(int endpoint) {
        return SysResult.err(Errno.UNAVAILABLE, "exitedClients is not available");
    }

    // ---- shared memory ---------------------------------------------------------------------

    /** Maps a region (needs READ; writable if the capability also has WRITE). */
    SysResult<SharedMapping> map(int region);

    // ---- services: names and typed protocols ----------------------------------------------

    /**
     * Registers an endpoint under a service name (needs the {@code publish} grant and GRANT on
     * the endpoint). Clients holding the grant {@code service:NAME} can then {@link #lookup} it. The
     * registration ends when this process exits or the endpoint dies.
     */
    SysResult<Void> register(String name, int endpoint);

    /**
     * A CALL capability to the endpoint registered as {@code name}, badged with the caller's pid
     * (needs the grant {@code service:NAME}). Errors: NO_CAPABILITY, INVALID_ARGUMENT, DEAD_PEER
     * (no live registration), QUOTA_EXCEEDED.
     */
    SysResult<Integer> lookup(String name);

    /**
     * A client stub for a service protocol (a Java interface) on an endpoint: each method call is
     * a {@link #call} with that method's arguments. A method declared to return {@link SysResult}
     * answers failures as {@link SysResult.Err}; any other method throws {@link KoshException}.
     */
    <P> SysResult<P> connect(Class<P> protocol, int endpoint, Duration timeout);

    /**
     * Serves a protocol on an endpoint in the calling thread: receives each call, invokes the
     * matching method of {@code implementation} and replies with its result (an exception becomes
     * an error reply, never a crash of the server). Returns Ok when the process is asked to
     * terminate, an error when the endpoint becomes unusable.
     */
    <P> SysResult<Void> serve(Class<P> protocol, P implementation, int endpoint);
}
