package dev.kosh.ipc;

import static dev.kosh.ipc.testing.Results.errno;
import static dev.kosh.ipc.testing.Results.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kosh.api.Errno;
import dev.kosh.api.Ipc;
import dev.kosh.api.Message;
import dev.kosh.api.Outgoing;
import dev.kosh.api.Right;
import dev.kosh.api.Rights;
import dev.kosh.api.SysResult;
import dev.kosh.ipc.testing.IpcHarness;
import dev.kosh.kernel.process.KoshProcess;

/** The data-plane fast paths: a server thread's reusable reply object, single-sender channels, batched sends and receives. */
@Timeout(20)
class FastPathTest {
    static final Duration LONG = Duration.ofSeconds(5);
    final IpcHarness k = new IpcHarness();
    final KoshProcess server = k.idle("server");
    final KoshProcess client = k.idle("client");
    final Ipc s = k.ipc(server);
    final Ipc c = k.ipc(client);

    @AfterEach
    void close() {
        k.close();
    }

    int grant(KoshProcess from, int handle, KoshProcess to, Right right) {
        return ok(k.ipc.space().grant(from.capabilityTable().lookup(handle), to.capabilityTable(), Rights.of(right), 0));
    }

    CompletableFuture<SysResult<Message>> callAsync(int h, Object data, Duration timeout) {
        // a thread per call: the common pool may have one thread on a small machine
        return CompletableFuture.supplyAsync(() -> c.call(h, Outgoing.of(0, data), timeout), r -> Thread.ofPlatform().daemon().start(r));
    }

    @Test
    void everyCallOnAReusedReplyObjectHasItsOwnOneShotHandle() throws Exception {
        int ep = ok(s.createEndpoint());
        int h = grant(server, ep, client, Right.CALL);
        List<Integer> handles = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            var call = callAsync(h, i, LONG);
            Message req = ok(s.receive(ep, LONG));
            handles.add(req.replyHandle());
            ok(s.reply(req.replyHandle(), Outgoing.of(0, "r" + i)));
            assertEquals("r" + i, ok(call.get(5, TimeUnit.SECONDS)).data());
            assertEquals(Errno.INVALID_HANDLE, errno(s.reply(req.replyHandle(), Outgoing.of(0, null))), "used twice");
        }
        for (int i = 1; i < handles.size(); i++) assertNotEquals(handles.get(i - 1), handles.get(i));
        int before = server.capabilityTable().size();
        var call = callAsync(h, "again", LONG);
        Message req = ok(s.receive(ep, LONG));
        assertEquals(before, server.capabilityTable().size(), "the reply object is reused: no capability minted per call");
        ok(s.reply(req.replyHandle(), Outgoing.of(0, null)));
        ok(call.get(5, TimeUnit.SECONDS));
    }

    /**
     * A client thread reuses its call record after a clean reply, never after a call it gave up
     * (that one may still sit in the queue): a server that later finds the abandoned call skips it,
     * and every answer reaches the call it belongs to.
     */
    @Test
    void aClientThreadsReusedCallRecordNeverMixesUpCallsEvenAfterTimeouts() throws Exception {
        int ep = ok(s.createEndpoint());
        int h = grant(server, ep, client, Right.CALL);
        java.util.concurrent.atomic.AtomicBoolean serving = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread echo = Thread.ofPlatform().daemon().start(() -> {
            while (serving.get()) {
                if (s.receive(ep, Duration.ofMillis(20)) instanceof SysResult.Ok<Message>(Message m)) {
                    if ("slow".equals(m.data())) {
                        try {
                            Thread.sleep(40);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    s.reply(m.replyHandle(), Outgoing.of(m.label(), m.data()));
                }
            }
        });
        try {
            java.util.Random rnd = new java.util.Random(7);
            for (int i = 0; i < 2000; i++) {
                if (i % 200 == 100) { // not on the first call: a cold JVM's first park can oversleep a 5 ms timeout on a loaded box
                    // Received but not answered in time: the server's reply later answers DEAD_PEER.
                    assertEquals(Errno.TIMEOUT, errno(c.call(h, Outgoing.of(-1, "slow"), Duration.ofMillis(5))));
                }
                if (i % 300 == 150) {
                    // Given up while still queued (the server is busy with a slow call): it stays in the queue.
                    var slow = callAsync(h, "slow", LONG);
                    Thread.sleep(5);
                    assertEquals(Errno.TIMEOUT, errno(c.call(h, Outgoing.of(-2, "queued"), Duration.ofMillis(1))));
                    ok(slow.get(5, TimeUnit.SECONDS));
                }
                int label = rnd.nextInt(1_000_000);
                Message r = ok(c.call(h, Outgoing.of(label, (long) i), LONG));
                assertEquals(label, r.label(), "call " + i + " got another call's answer");
                assertEquals((long) i, r.data());
            }
        } finally {
            serving.set(false);
            echo.join(2000);
        }
    }

    @Test
    void aCallerThatGaveUpEndsTheReusedReplyHandleWithDeadPeer() throws Exception {
        int ep = ok(s.createEndpoint());
        int h = grant(server, ep, client, Right.CALL);
        var first = callAsync(h, 0, LONG); // the first call mints the thread's reply object
        ok(s.reply(ok(s.receive(ep, LONG)).replyHandle(), Outgoing.of(0, null)));
        ok(first.get(5, TimeUnit.SECONDS));
        var late = callAsync(h, 1, Duration.ofMillis(200));
        Message req = ok(s.receive(ep, LONG));
        assertEquals(Errno.TIMEOUT, errno(late.get(5, TimeUnit.SECONDS)));
        assertEquals(Errno.DEAD_PEER, errno(s.reply(req.replyHandle(), Outgoing.of(0, null))));
        assertEquals(Errno.DEAD_PEER, errno(k.ipc.space().identify(server.capabilityTable(), req.replyHandle())));
        var next = callAsync(h, 2, LONG); // and the reply object serves the next call
        Message again = ok(s.receive(ep, LONG));
        ok(s.reply(again.replyHandle(), Outgoing.of(0, "ok")));
        assertEquals("ok", ok(next.get(5, TimeUnit.SECONDS)).data());
    }

    @Test
    void deletingTheReusedReplyHandleFailsTheCallerAtOnceAndHoldingTwoCallsStillWorks() throws Exception {
        int ep = ok(s.createEndpoint());
        int h = grant(server, ep, client, Right.CALL);
        var warm = callAsync(h, 0, LONG);
        ok(s.reply(ok(s.receive(ep, LONG)).replyHandle(), Outgoing.of(0, null)));
        ok(warm.get(5, TimeUnit.SECONDS));
        var a = callAsync(h, "a", LONG);
        Message ra = ok(s.receive(ep, LONG)); // on the reply object
        var b = callAsync(h, "b", LONG);
        Message rb = ok(s.receive(ep, LONG)); // the reply object is busy: a one-shot reply capability
        ok(s.reply(rb.replyHandle(), Outgoing.of(0, "B")));
        assertEquals("B", ok(b.get(5, TimeUnit.SECONDS)).data());
        ok(k.ipc.space().delete(server.capabilityTable(), ra.replyHandle()));
        assertEquals(Errno.DEAD_PEER, errno(a.get(5, TimeUnit.SECONDS)));
        var d = callAsync(h, "d", LONG); // a fresh reply object after the deleted one
        Message rd = ok(s.receive(ep, LONG));
        ok(s.reply(rd.replyHandle(), Outgoing.of(0, "D")));
        assertEquals("D", ok(d.get(5, TimeUnit.SECONDS)).data());
    }

    @Test
    void aServerExitingWithAnArmedReplyObjectGivesTheCallerDeadPeer() throws Exception {
        int ep = ok(s.createEndpoint());
        int h = grant(server, ep, client, Right.CALL);
        var warm = callAsync(h, 0, LONG);
        ok(s.reply(ok(s.receive(ep, LONG)).replyHandle(), Outgoing.of(0, null)));
        ok(warm.get(5, TimeUnit.SECONDS));
        var a = callAsync(h, "a", Duration.ofSeconds(10));
        ok(s.receive(ep, LONG));
        k.ipc.space().release(server.capabilityTable());
        assertEquals(Errno.DEAD_PEER, errno(a.get(5, TimeUnit.SECONDS)));
    }

    @Test
    void aSingleSenderChannelKeepsOrderAndSeveralSendersTakeTurns() throws Exception {
        int ch = ok(c.createChannel(64, true));
        int send = grant(client, ch, server, Right.SEND);
        int perSender = 2000;
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            int id = t;
            senders.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < perSender; i++) ok(s.send(send, Outgoing.of(id, i), LONG));
            }));
        }
        int[] next = new int[3];
        for (int n = 0; n < 3 * perSender; n++) {
            Message m = ok(c.receive(ch, LONG));
            assertEquals(next[m.label()]++, m.data(), "order per sender");
        }
        for (Thread t : senders) t.join();
        assertEquals(Errno.INVALID_ARGUMENT, errno(c.createChannel(1, true)));
    }

    @Test
    void sendManyAndReceiveManyMoveBatchesInOrderWithBackPressure() {
        for (boolean single : new boolean[] {true, false}) {
            int ch = ok(c.createChannel(8, single));
            int send = grant(client, ch, server, Right.SEND);
            Outgoing[] out = new Outgoing[12];
            for (int i = 0; i < out.length; i++) out[i] = Outgoing.of(i, "m" + i);
            int sent = ok(s.sendMany(send, out, 0, 12, Duration.ZERO));
            assertEquals(8, sent, "as many as fit");
            assertEquals(Errno.FULL, errno(s.sendMany(send, out, 8, 4, Duration.ZERO)));
            Message[] in = new Message[5];
            assertEquals(5, ok(c.receiveMany(ch, in, LONG)));
            for (int i = 0; i < 5; i++) assertEquals("m" + i, in[i].data());
            assertEquals(server.pid(), in[0].sender());
            assertEquals(4, ok(s.sendMany(send, out, 8, 4, LONG)));
            Message[] rest = new Message[16];
            assertEquals(7, ok(c.receiveMany(ch, rest, LONG)));
            for (int i = 0; i < 7; i++) assertEquals(5 + i, rest[i].label());
            assertEquals(Errno.WOULD_BLOCK, errno(c.receiveMany(ch, rest, Duration.ZERO)));
        }
    }

    @Test
    void batchedCallsCheckEverythingFirst() {
        int ch = ok(c.createChannel(8, true));
        int ep = ok(c.createEndpoint());
        int recvOnly = grant(client, ch, server, Right.RECEIVE);
        Outgoing ok = Outgoing.of(0, "x");
        assertEquals(Errno.INVALID_ARGUMENT, errno(c.sendMany(ch, new Outgoing[] {ok, Outgoing.of(0, new StringBuilder())}, 0, 2, Duration.ZERO)));
        assertEquals(Errno.WOULD_BLOCK, errno(c.receiveMany(ch, new Message[1], Duration.ZERO)), "nothing of a refused batch was sent");
        assertEquals(Errno.INVALID_ARGUMENT, errno(c.sendMany(ch, new Outgoing[] {ok.copying(ep)}, 0, 1, Duration.ZERO)), "batches carry data only");
        assertEquals(Errno.INVALID_ARGUMENT, errno(c.sendMany(ch, new Outgoing[] {ok, null}, 0, 2, Duration.ZERO)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(c.sendMany(ch, new Outgoing[] {ok}, 1, 1, Duration.ZERO)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(c.sendMany(ch, null, 0, 1, Duration.ZERO)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(c.sendMany(ch, new Outgoing[] {ok}, 0, 1, Duration.ofSeconds(-1))));
        assertEquals(Errno.INVALID_ARGUMENT, errno(c.receiveMany(ch, new Message[0], Duration.ZERO)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(c.receiveMany(ch, new Message[1], null)));
        assertEquals(Errno.WRONG_TYPE, errno(c.sendMany(ep, new Outgoing[] {ok}, 0, 1, Duration.ZERO)));
        assertEquals(Errno.WRONG_TYPE, errno(c.receiveMany(ep, new Message[1], Duration.ZERO)));
        assertEquals(Errno.MISSING_RIGHT, errno(s.sendMany(recvOnly, new Outgoing[] {ok}, 0, 1, Duration.ZERO)));
        assertEquals(Errno.INVALID_HANDLE, errno(c.sendMany(4242, new Outgoing[] {ok}, 0, 1, Duration.ZERO)));
        ok(c.closeChannel(ch));
        assertEquals(Errno.CLOSED, errno(c.sendMany(ch, new Outgoing[] {ok}, 0, 1, Duration.ZERO)));
        assertEquals(Errno.CLOSED, errno(c.receiveMany(ch, new Message[1], Duration.ZERO)));
    }

    @Test
    void aSenderWaitingForRoomInABatchEndsWithRevoked() throws Exception {
        int ch = ok(c.createChannel(2, true));
        int send = grant(client, ch, server, Right.SEND);
        Outgoing[] out = {Outgoing.of(0, 1), Outgoing.of(0, 2)};
        while (s.sendMany(send, out, 0, 2, Duration.ZERO).isOk()) {
            // fill it
        }
        var blocked = CompletableFuture.supplyAsync(() -> s.sendMany(send, out, 0, 1, Duration.ofSeconds(10)), r -> Thread.ofPlatform().daemon().start(r));
        Thread.sleep(50);
        ok(k.ipc.space().revoke(client.capabilityTable(), ch));
        assertEquals(Errno.REVOKED, errno(blocked.get(5, TimeUnit.SECONDS)));
        assertEquals(Errno.TIMEOUT, errno(c.sendMany(ch, out, 0, 1, Duration.ofMillis(20))));
    }
}
