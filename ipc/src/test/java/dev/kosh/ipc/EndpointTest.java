package dev.kosh.ipc;

import static dev.kosh.ipc.testing.Results.errno;
import static dev.kosh.ipc.testing.Results.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import dev.kosh.api.MessageType;
import dev.kosh.api.Outgoing;
import dev.kosh.api.Right;
import dev.kosh.api.Rights;
import dev.kosh.api.SysResult;
import dev.kosh.ipc.testing.IpcHarness;
import dev.kosh.kernel.cap.Capability;
import dev.kosh.kernel.process.KoshProcess;

/** Endpoints: call, receive, reply, badges, timeouts, revocation during a call, and peer death. */
@Timeout(20)
class EndpointTest {
    static final Duration LONG = Duration.ofSeconds(5);
    final IpcHarness k = new IpcHarness();
    final KoshProcess server = k.idle("server");
    final KoshProcess client = k.idle("client");
    final Ipc s = k.ipc(server);
    final Ipc c = k.ipc(client);
    final int ep = ok(s.createEndpoint());

    @AfterEach
    void close() {
        k.close();
    }

    /** Gives the client a CALL capability to the server's endpoint with {@code badge}, as a lookup would. */
    int clientCap(long badge) {
        Capability source = server.capabilityTable().lookup(ep);
        return ok(k.ipc.space().grant(source, client.capabilityTable(), Rights.of(Right.CALL), badge));
    }

    CompletableFuture<SysResult<Message>> callAsync(Ipc who, int handle, Outgoing m, Duration timeout) {
        return CompletableFuture.supplyAsync(() -> who.call(handle, m, timeout));
    }

    @Test
    void callReceiveReplyRoundTripCarriesDataBadgeAndSender() throws Exception {
        int h = clientCap(77);
        var call = callAsync(c, h, Outgoing.of(5, "ping"), LONG);
        Message req = ok(s.receive(ep, LONG));
        assertEquals("ping", req.data());
        assertEquals(5, req.label());
        assertEquals(77, req.badge(), "the badge tells the server which client called");
        assertEquals(client.pid(), req.sender());
        assertEquals(server.pid(), req.receiver());
        ok(s.reply(req.replyHandle(), Outgoing.of(6, "pong")));
        Message rep = ok(call.get(5, TimeUnit.SECONDS));
        assertEquals("pong", rep.data());
        assertEquals(6, rep.label());
        assertEquals(server.pid(), rep.sender());
    }

    @Test
    void theReplyCapabilityIsOneShot() throws Exception {
        int h = clientCap(1);
        var call = callAsync(c, h, Outgoing.of(0, null), LONG);
        Message req = ok(s.receive(ep, LONG));
        ok(s.reply(req.replyHandle(), Outgoing.of(0, null)));
        assertEquals(Errno.INVALID_HANDLE, errno(s.reply(req.replyHandle(), Outgoing.of(0, null))));
        ok(call.get(5, TimeUnit.SECONDS));
    }

    @Test
    void callNeedsTheCallRightAndAnEndpoint() {
        int noCall = ok(k.ipc.space().grant(server.capabilityTable().lookup(ep), client.capabilityTable(), Rights.of(Right.GRANT), 0));
        assertEquals(Errno.MISSING_RIGHT, errno(c.call(noCall, Outgoing.of(0, null), LONG)));
        int ch = ok(c.createChannel(4));
        assertEquals(Errno.WRONG_TYPE, errno(c.call(ch, Outgoing.of(0, null), LONG)));
        assertEquals(Errno.INVALID_HANDLE, errno(c.call(12345, Outgoing.of(0, null), LONG)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(c.call(clientCap(0), null, LONG)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(c.call(clientCap(0), Outgoing.of(0, null), Duration.ofSeconds(-1))));
        assertEquals(Errno.INVALID_ARGUMENT, errno(c.call(clientCap(0), Outgoing.of(0, new StringBuilder("mutable")), LONG)));
        assertEquals(Errno.MISSING_RIGHT, errno(c.receive(clientCap(0), Duration.ZERO)), "a client cannot receive");
    }

    @Test
    void callTimesOutWhenNobodyAnswersAndTheLateReplyFindsADeadPeer() throws Exception {
        int h = clientCap(0);
        var call = callAsync(c, h, Outgoing.of(0, null), Duration.ofMillis(200));
        Message req = ok(s.receive(ep, LONG));
        assertEquals(Errno.TIMEOUT, errno(call.get(5, TimeUnit.SECONDS)));
        assertEquals(Errno.DEAD_PEER, errno(s.reply(req.replyHandle(), Outgoing.of(0, null))));
        assertEquals(Errno.TIMEOUT, errno(c.call(h, Outgoing.of(0, null), Duration.ofMillis(20))), "a queued call times out too");
        assertEquals(Errno.WOULD_BLOCK, errno(s.receive(ep, Duration.ZERO)), "the timed-out queued call is not delivered");
    }

    @Test
    void revokingTheCallersCapabilityEndsACallInProgressAtOnce() throws Exception {
        int h = clientCap(0);
        var call = callAsync(c, h, Outgoing.of(0, null), Duration.ofSeconds(30));
        ok(s.receive(ep, LONG)); // the call is with the server now
        long t0 = System.nanoTime();
        assertEquals(1, ok(k.ipc.space().revoke(server.capabilityTable(), ep)));
        assertEquals(Errno.REVOKED, errno(call.get(5, TimeUnit.SECONDS)));
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "not a timeout");
        assertEquals(Errno.REVOKED, errno(c.call(h, Outgoing.of(0, null), LONG)));
    }

    @Test
    void revokingWhileQueuedEndsTheCallToo() throws Exception {
        int h = clientCap(0);
        var call = callAsync(c, h, Outgoing.of(0, null), Duration.ofSeconds(30));
        Thread.sleep(50);
        k.ipc.space().revoke(server.capabilityTable(), ep);
        assertEquals(Errno.REVOKED, errno(call.get(5, TimeUnit.SECONDS)));
    }

    @Test
    void killingTheServerMidCallGivesTheClientDeadPeerAtOnce() throws Exception {
        int h = clientCap(0);
        var call = callAsync(c, h, Outgoing.of(0, "work"), Duration.ofSeconds(30));
        ok(s.receive(ep, LONG)); // received, never answered
        long t0 = System.nanoTime();
        k.kill(server);
        assertEquals(Errno.DEAD_PEER, errno(call.get(5, TimeUnit.SECONDS)));
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L);
        assertEquals(Errno.DEAD_PEER, errno(c.call(h, Outgoing.of(0, null), LONG)), "later calls fail at once");
    }

    @Test
    void queuedCallersOfADyingServerGetDeadPeer() throws Exception {
        int h = clientCap(0);
        var a = callAsync(c, h, Outgoing.of(1, null), Duration.ofSeconds(30));
        var b = callAsync(c, h, Outgoing.of(2, null), Duration.ofSeconds(30));
        Thread.sleep(50);
        k.kill(server);
        assertEquals(Errno.DEAD_PEER, errno(a.get(5, TimeUnit.SECONDS)));
        assertEquals(Errno.DEAD_PEER, errno(b.get(5, TimeUnit.SECONDS)));
    }

    @Test
    void aDeadClientsPendingReplyCapabilityIsDropped() throws Exception {
        KoshProcess realClient = k.spawn("caller", java.util.Set.of(), ctx -> {
            // Until the test grants the capability (the table already holds the process's own handles).
            java.util.Optional<dev.kosh.api.CapabilityInfo> granted;
            while ((granted = ctx.capabilities().stream().filter(i -> i.type() == dev.kosh.api.ObjectType.ENDPOINT).findFirst()).isEmpty()) {
                ctx.sleep(Duration.ofMillis(5));
            }
            ctx.ipc().call(granted.get().handle(), Outgoing.of(0, null), Duration.ofSeconds(30));
            return 0;
        });
        ok(k.ipc.space().grant(server.capabilityTable().lookup(ep), realClient.capabilityTable(), Rights.of(Right.CALL), 0));
        Message req = ok(s.receive(ep, LONG));
        k.kill(realClient);
        dev.kosh.ipc.testing.Await.untilFails("the reply capability is gone",
                () -> k.ipc.space().identify(server.capabilityTable(), req.replyHandle()));
        assertEquals(Errno.DEAD_PEER, errno(s.reply(req.replyHandle(), Outgoing.of(0, null))));
    }

    @Test
    void serverDeletingTheReplyCapabilityFailsTheCaller() throws Exception {
        int h = clientCap(0);
        var call = callAsync(c, h, Outgoing.of(0, null), Duration.ofSeconds(30));
        Message req = ok(s.receive(ep, LONG));
        k.ipc.space().delete(server.capabilityTable(), req.replyHandle());
        assertEquals(Errno.DEAD_PEER, errno(call.get(5, TimeUnit.SECONDS)));
    }

    @Test
    void capabilitiesTravelInCallsAndRepliesByCopyAndByMove() throws Exception {
        int h = clientCap(0);
        int note = ok(c.createNotification());
        int chan = ok(c.createChannel(4));
        var call = callAsync(c, h, Outgoing.of(0, null).copying(note).moving(chan), LONG);
        Message req = ok(s.receive(ep, LONG));
        assertEquals(2, req.handles().size());
        int serverNote = req.handles().get(0);
        ok(s.signal(serverNote, 4)); // the server uses the copy
        assertEquals(4L, ok(c.waitSignal(note, LONG)), "the client kept its notification");
        int shm = ok(s.createSharedMemory(4096));
        ok(s.reply(req.replyHandle(), Outgoing.of(0, null).moving(shm)));
        Message rep = ok(call.get(5, TimeUnit.SECONDS));
        assertEquals(1, rep.handles().size());
        assertTrue(ok(c.map(rep.handles().get(0))).writable());
        assertEquals(Errno.INVALID_HANDLE, errno(c.send(chan, Outgoing.of(0, null), Duration.ZERO)), "the moved channel left the client");
        assertEquals(Errno.INVALID_HANDLE, errno(s.map(shm)), "the moved region left the server");
    }

    @Test
    void capabilitiesWithoutGrantDoNotTravelAndNothingIsSent() {
        int h = clientCap(0);
        int note = ok(c.createNotification());
        int weak = ok(k.ipc.space().derive(client.capabilityTable(), note, Rights.of(Right.SIGNAL), 0));
        assertEquals(Errno.MISSING_RIGHT, errno(c.call(h, Outgoing.of(0, null).copying(weak), LONG)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(c.call(h, Outgoing.of(0, null).copying(note).copying(note), LONG)));
        assertEquals(Errno.WOULD_BLOCK, errno(s.receive(ep, Duration.ZERO)));
    }

    @Test
    void byteArraysAreCopiedSoTheReceiverCannotChangeTheSendersData() throws Exception {
        int h = clientCap(0);
        byte[] data = {1, 2, 3};
        var call = callAsync(c, h, Outgoing.of(0, data), LONG);
        Message req = ok(s.receive(ep, LONG));
        ((byte[]) req.data())[0] = 99;
        assertEquals(1, data[0]);
        ok(s.reply(req.replyHandle(), Outgoing.of(0, List.of("ok"))));
        ok(call.get(5, TimeUnit.SECONDS));
    }

    @Test
    void manyClientsAndServerThreadsGetEveryReplyRight() throws Exception {
        int threads = 3, calls = 2000;
        int h = clientCap(9);
        List<Thread> servers = new java.util.ArrayList<>();
        for (int i = 0; i < 2; i++) {
            servers.add(Thread.ofPlatform().daemon().start(() -> {
                while (true) {
                    SysResult<Message> r = s.receive(ep, Duration.ofSeconds(2));
                    if (!(r instanceof SysResult.Ok<Message>(Message m))) return;
                    s.reply(m.replyHandle(), new Outgoing(MessageType.SERVICE_REQUEST, m.label() + 1, m.data(), List.of()));
                }
            }));
        }
        List<CompletableFuture<Void>> clients = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
            clients.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < calls; i++) {
                    Message m = ok(c.call(h, Outgoing.of(i, (long) i), LONG));
                    assertEquals(i + 1, m.label());
                    assertEquals((long) i, m.data());
                }
            }));
        }
        for (var f : clients) f.get(15, TimeUnit.SECONDS);
        assertEquals((long) threads * calls, k.ipc.calls());
    }
}
