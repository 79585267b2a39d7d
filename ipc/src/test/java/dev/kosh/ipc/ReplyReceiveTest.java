package dev.kosh.ipc;

import static dev.kosh.ipc.testing.Results.errno;
import static dev.kosh.ipc.testing.Results.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
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

/** {@code replyReceive} (seL4's ReplyRecv): the answer to one call and the wait for the next in one system call. */
@Timeout(20)
class ReplyReceiveTest {
    static final Duration LONG = Duration.ofSeconds(5);
    static final Duration SHORT = Duration.ofMillis(50);
    final IpcHarness k = new IpcHarness();
    final KoshProcess server = k.idle("server");
    final KoshProcess client = k.idle("client");
    final Ipc s = k.ipc(server);
    final Ipc c = k.ipc(client);
    final int ep = ok(s.createEndpoint());
    final int h = ok(k.ipc.space().grant(server.capabilityTable().lookup(ep), client.capabilityTable(), Rights.of(Right.CALL), 7));

    @AfterEach
    void close() {
        k.close();
    }

    CompletableFuture<SysResult<Message>> callAsync(Object data, Duration timeout) {
        return CompletableFuture.supplyAsync(() -> c.call(h, Outgoing.of(0, data), timeout), r -> Thread.ofPlatform().daemon().start(r));
    }

    @Test
    void aServerLoopAnswersEachCallAndReceivesTheNextInOneCall() throws Exception {
        var pending = callAsync("q0", LONG);
        Message m = ok(s.replyReceive(0, null, ep, LONG)); // the first turn answers nothing
        assertEquals("q0", m.data());
        assertEquals(7, m.badge());
        for (int i = 1; i <= 20; i++) {
            var next = callAsync("q" + i, LONG);
            Message got = ok(s.replyReceive(m.replyHandle(), Outgoing.of(0, "a" + (i - 1)), ep, LONG));
            assertEquals("a" + (i - 1), ok(pending.get(5, TimeUnit.SECONDS)).data());
            assertEquals("q" + i, got.data());
            pending = next;
            m = got;
        }
        ok(s.reply(m.replyHandle(), Outgoing.of(0, "last")));
        assertEquals("last", ok(pending.get(5, TimeUnit.SECONDS)).data());
        assertEquals(Errno.INVALID_HANDLE, errno(s.reply(m.replyHandle(), Outgoing.of(0, null))), "the handle was used up");
    }

    @Test
    void aWrongReplyHandleSendsNothingAndReceivesNothing() throws Exception {
        var call = callAsync("q", LONG);
        Message m = ok(s.receive(ep, LONG));
        var queued = callAsync("queued", LONG);
        awaitQueued(1);
        assertEquals(Errno.INVALID_HANDLE, errno(s.replyReceive(0x7fff_0123, Outgoing.of(0, "x"), ep, LONG)));
        assertEquals(Errno.WRONG_TYPE, errno(s.replyReceive(ep, Outgoing.of(0, "x"), ep, LONG)), "an endpoint is not a reply capability");
        assertEquals(Errno.INVALID_ARGUMENT, errno(s.replyReceive(m.replyHandle(), null, ep, LONG)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(s.replyReceive(m.replyHandle(), Outgoing.of(0, new StringBuilder("mutable")), ep, LONG)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(s.replyReceive(0, Outgoing.of(0, "to nobody"), ep, LONG)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(s.replyReceive(m.replyHandle(), Outgoing.of(0, "x"), ep, Duration.ofMillis(-1))));
        assertFalse(call.isDone(), "nothing was sent");
        assertEquals(1, k.ipc.objects().snapshot().stream().filter(o -> o instanceof dev.kosh.ipc.internal.Endpoint)
                .mapToInt(o -> ((dev.kosh.ipc.internal.Endpoint) o).queued()).sum(), "nothing was received");
        Message next = ok(s.replyReceive(m.replyHandle(), Outgoing.of(0, "a"), ep, LONG)); // still answerable
        assertEquals("a", ok(call.get(5, TimeUnit.SECONDS)).data());
        assertEquals("queued", next.data());
        ok(s.reply(next.replyHandle(), Outgoing.of(0, null)));
        ok(queued.get(5, TimeUnit.SECONDS));
    }

    @Test
    void anEndpointHandleWithoutReceiveIsRefusedBeforeTheAnswerGoesOut() throws Exception {
        int callOnly = ok(k.ipc.space().grant(server.capabilityTable().lookup(ep), server.capabilityTable(), Rights.of(Right.CALL), 0));
        var call = callAsync("q", LONG);
        Message m = ok(s.receive(ep, LONG));
        assertEquals(Errno.MISSING_RIGHT, errno(s.replyReceive(m.replyHandle(), Outgoing.of(0, "a"), callOnly, SHORT)));
        assertEquals(Errno.INVALID_HANDLE, errno(s.replyReceive(m.replyHandle(), Outgoing.of(0, "a"), 0x7fff_0456, SHORT)));
        assertFalse(call.isDone(), "the answer did not go out");
        ok(s.reply(m.replyHandle(), Outgoing.of(0, "a")));
        assertEquals("a", ok(call.get(5, TimeUnit.SECONDS)).data());
    }

    @Test
    void aUsedReplyHandleHasNoPendingCallerAndIsRefused() throws Exception {
        var call = callAsync("q", LONG);
        Message m = ok(s.receive(ep, LONG));
        ok(s.reply(m.replyHandle(), Outgoing.of(0, "a")));
        ok(call.get(5, TimeUnit.SECONDS));
        assertEquals(Errno.INVALID_HANDLE, errno(s.replyReceive(m.replyHandle(), Outgoing.of(0, "again"), ep, SHORT)));
    }

    @Test
    void aCallerThatGaveUpIsNoErrorTheNextCallIsReceived() throws Exception {
        var impatient = callAsync("impatient", Duration.ofMillis(100));
        Message m = ok(s.receive(ep, LONG));
        assertEquals(Errno.TIMEOUT, errno(impatient.get(5, TimeUnit.SECONDS)));
        assertEquals(Errno.DEAD_PEER, errno(s.reply(m.replyHandle(), Outgoing.of(0, "late"))), "plain reply says so");

        var again = callAsync("impatient 2", Duration.ofMillis(100));
        Message m2 = ok(s.receive(ep, LONG));
        assertEquals(Errno.TIMEOUT, errno(again.get(5, TimeUnit.SECONDS)));
        var patient = callAsync("patient", LONG);
        Message next = ok(s.replyReceive(m2.replyHandle(), Outgoing.of(0, "late"), ep, LONG)); // dropped, then the next call
        assertEquals("patient", next.data());
        ok(s.reply(next.replyHandle(), Outgoing.of(0, "p")));
        assertEquals("p", ok(patient.get(5, TimeUnit.SECONDS)).data());
    }

    @Test
    void aCallerWhoseCapabilityIsRevokedMidCallIsDroppedAndTheServerGoesOn() throws Exception {
        var call = callAsync("q", LONG);
        Message m = ok(s.receive(ep, LONG));
        ok(k.ipc.space().revoke(server.capabilityTable(), ep)); // every CALL capability derived from the server's
        assertEquals(Errno.REVOKED, errno(call.get(5, TimeUnit.SECONDS)));
        assertEquals(Errno.TIMEOUT, errno(s.replyReceive(m.replyHandle(), Outgoing.of(0, "late"), ep, SHORT)), "answer dropped, then nothing to receive");
    }

    @Test
    void aCallerThatExitsWhileAnsweredIsDroppedAndTheServerGoesOn() throws Exception {
        KoshProcess other = k.idle("other");
        Ipc o = k.ipc(other);
        int oh = ok(k.ipc.space().grant(server.capabilityTable().lookup(ep), other.capabilityTable(), Rights.of(Right.CALL), 9));
        var dying = CompletableFuture.supplyAsync(() -> o.call(oh, Outgoing.of(0, "dying"), LONG), r -> Thread.ofPlatform().daemon().start(r));
        Message m = ok(s.receive(ep, LONG));
        k.ipc.space().release(other.capabilityTable()); // what the process table does when it exits
        assertEquals(Errno.REVOKED, errno(dying.get(5, TimeUnit.SECONDS)));
        var live = callAsync("live", LONG);
        Message next = ok(s.replyReceive(m.replyHandle(), Outgoing.of(0, "to the dead"), ep, LONG));
        assertEquals("live", next.data());
        ok(s.reply(next.replyHandle(), Outgoing.of(0, "ok")));
        assertEquals("ok", ok(live.get(5, TimeUnit.SECONDS)).data());
    }

    @Test
    void theServersEndpointRevokedWhileWaitingEndsTheWaitAfterTheAnswerWentOut() throws Exception {
        int mine = ok(k.ipc.space().grant(server.capabilityTable().lookup(ep), server.capabilityTable(), Rights.of(Right.RECEIVE), 0));
        var call = callAsync("q", LONG);
        Message m = ok(s.receive(mine, LONG));
        var waiting = CompletableFuture.supplyAsync(() -> s.replyReceive(m.replyHandle(), Outgoing.of(0, "a"), mine, LONG),
                r -> Thread.ofPlatform().daemon().start(r));
        assertEquals("a", ok(call.get(5, TimeUnit.SECONDS)).data(), "the answer went out first");
        Thread.sleep(50);
        ok(k.ipc.space().revoke(server.capabilityTable(), ep)); // ends the derived RECEIVE capability the server waits on
        assertEquals(Errno.REVOKED, errno(waiting.get(5, TimeUnit.SECONDS)));
    }

    /**
     * Several server threads take turns at one endpoint's queue (its single-consumer side), parking
     * between calls (no spinning: every wait ends in a strict poll and a park): every call is
     * received once and answered right, none is lost or taken twice.
     */
    @Test
    void serverThreadsThatParkTakeTurnsAndNoCallIsLostOrTakenTwice() throws Exception {
        try (IpcHarness parking = new IpcHarness(IpcKernel.Options.DEFAULT.withSpinNanos(0))) {
            KoshProcess srv = parking.idle("server");
            KoshProcess cli = parking.idle("client");
            Ipc ps = parking.ipc(srv);
            Ipc pc = parking.ipc(cli);
            int e = ok(ps.createEndpoint());
            int ch = ok(parking.ipc.space().grant(srv.capabilityTable().lookup(e), cli.capabilityTable(), Rights.of(Right.CALL), 0));
            java.util.concurrent.atomic.AtomicBoolean serving = new java.util.concurrent.atomic.AtomicBoolean(true);
            java.util.concurrent.atomic.AtomicInteger received = new java.util.concurrent.atomic.AtomicInteger();
            List<Thread> servers = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                servers.add(Thread.ofPlatform().daemon().start(() -> {
                    int reply = 0;
                    Outgoing answer = null;
                    while (serving.get()) {
                        SysResult<Message> r = ps.replyReceive(reply, answer, e, Duration.ofMillis(20));
                        reply = 0;
                        answer = null;
                        if (r instanceof SysResult.Ok<Message>(Message m)) {
                            received.incrementAndGet();
                            reply = m.replyHandle();
                            answer = Outgoing.of(m.label() + 1, m.data());
                        }
                    }
                    if (reply != 0) ps.reply(reply, answer);
                }));
            }
            int clients = 3, calls = 500;
            List<CompletableFuture<Void>> running = new java.util.ArrayList<>();
            for (int t = 0; t < clients; t++) {
                long base = 1_000_000L * t;
                running.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < calls; i++) {
                        Message m = ok(pc.call(ch, Outgoing.of(i, base + i), LONG));
                        assertEquals(i + 1, m.label());
                        assertEquals(base + i, m.data());
                    }
                }, r -> Thread.ofPlatform().daemon().start(r)));
            }
            for (var f : running) f.get(15, TimeUnit.SECONDS);
            serving.set(false);
            for (Thread t : servers) t.join(2000);
            assertEquals(clients * calls, received.get(), "each call received exactly once");
            assertEquals(0, parking.ipc.objects().snapshot().stream().filter(o -> o instanceof dev.kosh.ipc.internal.Endpoint)
                    .mapToInt(o -> ((dev.kosh.ipc.internal.Endpoint) o).queued()).sum());
        }
    }

    void awaitQueued(int n) throws InterruptedException {
        long until = System.nanoTime() + 5_000_000_000L;
        while (k.ipc.objects().snapshot().stream().filter(o -> o instanceof dev.kosh.ipc.internal.Endpoint)
                .mapToInt(o -> ((dev.kosh.ipc.internal.Endpoint) o).queued()).sum() < n) {
            if (System.nanoTime() > until) throw new AssertionError("no call queued");
            Thread.sleep(1);
        }
    }
}
