package dev.kosh.ipc;

import static dev.kosh.ipc.testing.Results.errno;
import static dev.kosh.ipc.testing.Results.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ReadOnlyBufferException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kosh.api.Errno;
import dev.kosh.api.Ipc;
import dev.kosh.api.KoshException;
import dev.kosh.api.Message;
import dev.kosh.api.Outgoing;
import dev.kosh.api.Right;
import dev.kosh.api.Rights;
import dev.kosh.api.SharedMapping;
import dev.kosh.api.Signal;
import dev.kosh.api.SysResult;
import dev.kosh.ipc.testing.IpcHarness;
import dev.kosh.kernel.process.KoshProcess;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** Channels, notifications, shared memory, the service directory, typed protocols and the meters. */
@Timeout(20)
class ObjectsTest {
    static final Duration LONG = Duration.ofSeconds(5);
    final IpcHarness k = new IpcHarness();
    final KoshProcess a = k.idle("a", "publish");
    final KoshProcess b = k.idle("b", "service:kv");
    final Ipc ia = k.ipc(a);
    final Ipc ib = k.ipc(b);

    @AfterEach
    void close() {
        k.close();
    }

    int give(KoshProcess from, int handle, KoshProcess to, Right... rights) {
        return ok(k.ipc.space().grant(from.capabilityTable().lookup(handle), to.capabilityTable(), Rights.of(rights), 0));
    }

    // ---- process capabilities in messages -------------------------------------------------------

    @Test
    void aChildsProcessHandleSentInAMessageLetsTheReceiverKillItUntilTheParentRevokes() throws Exception {
        IpcHarness.Running parent = k.running("parent", "spawn");
        IpcHarness.Running supervisor = k.running("supervisor");
        k.program("child", Set.of(), c -> {
            while (!c.terminationRequested()) c.sleep(Duration.ofMillis(20));
            return 0;
        });
        Ipc ip = k.ipc(parent.process());
        Ipc is = k.ipc(supervisor.process());
        int first = ok(parent.ctx().spawn("child", List.of()));
        int second = ok(parent.ctx().spawn("child", List.of()));
        int ch = ok(ip.createChannel(4));
        int inbox = give(parent.process(), ch, supervisor.process(), Right.RECEIVE);
        int h1 = ok(parent.ctx().processHandle(first));
        int h2 = ok(parent.ctx().processHandle(second));
        ok(ip.send(ch, Outgoing.of(0, "children").copying(h1).copying(h2), Duration.ZERO));
        Message m = ok(is.receive(inbox, LONG));
        assertEquals(2, m.handles().size());
        int theirs1 = m.handles().get(0);
        int theirs2 = m.handles().get(1);
        assertEquals(first, ok(supervisor.ctx().processStatus(theirs1)).pid());
        // A copy in a message is a child of the sender's capability: signal and wait work through it.
        ok(supervisor.ctx().signal(theirs1, Signal.KILL));
        assertEquals(137, ok(supervisor.ctx().await(theirs1, LONG)).code());
        assertEquals(137, ok(parent.ctx().await(h1, LONG)).code(), "the parent reaps");
        assertEquals(Errno.DEAD_PEER, errno(supervisor.ctx().processStatus(theirs1)));
        // The parent revokes what it gave for the second: the supervisor's copy is gone, the child untouched.
        assertEquals(1, ok(parent.ctx().revoke(h2)));
        assertEquals(Errno.REVOKED, errno(supervisor.ctx().signal(theirs2, Signal.KILL)));
        assertFalse(k.table.get(second).orElseThrow().finished());
    }

    // ---- channels ----------------------------------------------------------------------------

    @Test
    void aFullChannelAnswersFullAndDropsNothing() {
        int ch = ok(ia.createChannel(2));
        ok(ia.send(ch, Outgoing.of(1, "x"), Duration.ZERO));
        ok(ia.send(ch, Outgoing.of(2, "y"), Duration.ZERO));
        assertEquals(Errno.FULL, errno(ia.send(ch, Outgoing.of(3, "z"), Duration.ZERO)));
        assertEquals(Errno.TIMEOUT, errno(ia.send(ch, Outgoing.of(3, "z"), Duration.ofMillis(20))));
        assertEquals(1, ok(ia.receive(ch, Duration.ZERO)).label());
        assertEquals(2, ok(ia.receive(ch, Duration.ZERO)).label());
        assertEquals(Errno.WOULD_BLOCK, errno(ia.receive(ch, Duration.ZERO)));
        assertEquals(Errno.TIMEOUT, errno(ia.receive(ch, Duration.ofMillis(20))));
    }

    @Test
    void aBlockedSenderProceedsWhenTheReceiverMakesRoomAcrossProcesses() throws Exception {
        int ch = ok(ia.createChannel(2));
        int send = give(a, ch, b, Right.SEND);
        ok(ib.send(send, Outgoing.of(1, null), Duration.ZERO));
        ok(ib.send(send, Outgoing.of(2, null), Duration.ZERO));
        var blocked = CompletableFuture.supplyAsync(() -> ib.send(send, Outgoing.of(3, null), LONG));
        Thread.sleep(30);
        Message first = ok(ia.receive(ch, LONG));
        assertEquals(b.pid(), first.sender());
        ok(blocked.get(5, TimeUnit.SECONDS));
        assertEquals(2, ok(ia.receive(ch, LONG)).label());
        assertEquals(3, ok(ia.receive(ch, LONG)).label());
        assertEquals(Errno.MISSING_RIGHT, errno(ib.receive(send, Duration.ZERO)));
    }

    @Test
    void aClosedChannelDrainsThenAnswersClosed() {
        int ch = ok(ia.createChannel(4));
        ok(ia.send(ch, Outgoing.of(1, null), Duration.ZERO));
        ok(ia.closeChannel(ch));
        assertEquals(Errno.CLOSED, errno(ia.send(ch, Outgoing.of(2, null), Duration.ZERO)));
        assertEquals(1, ok(ia.receive(ch, LONG)).label());
        assertEquals(Errno.CLOSED, errno(ia.receive(ch, LONG)));
    }

    @Test
    void aBlockedReceiveWakesOnSendAndEndsOnRevoke() throws Exception {
        int ch = ok(ia.createChannel(4));
        int recv = give(a, ch, b, Right.RECEIVE);
        var got = CompletableFuture.supplyAsync(() -> ib.receive(recv, LONG));
        Thread.sleep(30);
        ok(ia.send(ch, Outgoing.of(7, List.of(1, 2)), Duration.ZERO));
        assertEquals(List.of(1, 2), ok(got.get(5, TimeUnit.SECONDS)).data());
        var waiting = CompletableFuture.supplyAsync(() -> ib.receive(recv, Duration.ofSeconds(30)));
        Thread.sleep(30);
        k.ipc.space().revoke(a.capabilityTable(), ch);
        assertEquals(Errno.REVOKED, errno(waiting.get(5, TimeUnit.SECONDS)));
    }

    @Test
    void capabilitiesInAnUnreadMessageAreDeletedWithTheChannel() {
        int ch = ok(ia.createChannel(4));
        int note = ok(ia.createNotification());
        ok(ia.send(ch, Outgoing.of(0, null).copying(note), Duration.ZERO));
        var noteObject = a.capabilityTable().lookup(note).object();
        assertEquals(2, noteObject.capabilityCount(), "the copy in transit counts");
        ok(k.ipc.space().delete(a.capabilityTable(), ch));
        assertEquals(1, noteObject.capabilityCount());
    }

    @Test
    void channelArgumentsAreChecked() {
        assertEquals(Errno.INVALID_ARGUMENT, errno(ia.createChannel(1)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(ia.createChannel(1 << 20)));
        int ch = ok(ia.createChannel(4));
        assertEquals(Errno.INVALID_ARGUMENT, errno(ia.send(ch, null, Duration.ZERO)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(ia.send(ch, Outgoing.of(0, new Object()), Duration.ZERO)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(ia.receive(ch, null)));
        int note = ok(ia.createNotification());
        assertEquals(Errno.WRONG_TYPE, errno(ia.receive(note, Duration.ZERO)));
        assertEquals(Errno.WRONG_TYPE, errno(ia.closeChannel(note)));
        assertEquals(Errno.INVALID_HANDLE, errno(ia.closeChannel(999)));
    }

    // ---- notifications -----------------------------------------------------------------------

    @Test
    void notificationBitsAccumulateAndAreTakenAllAtOnce() throws Exception {
        int n = ok(ia.createNotification());
        int sig = give(a, n, b, Right.SIGNAL);
        ok(ib.signal(sig, 1));
        ok(ib.signal(sig, 4));
        assertEquals(5L, ok(ia.waitSignal(n, LONG)));
        assertEquals(Errno.WOULD_BLOCK, errno(ia.waitSignal(n, Duration.ZERO)));
        var waiting = CompletableFuture.supplyAsync(() -> ia.waitSignal(n, LONG));
        Thread.sleep(30);
        ok(ib.signal(sig, 8));
        assertEquals(8L, ok(waiting.get(5, TimeUnit.SECONDS)));
        assertEquals(Errno.MISSING_RIGHT, errno(ib.waitSignal(sig, Duration.ZERO)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(ib.signal(sig, 0)));
    }

    @Test
    void kernelSignalsArriveAsNotificationBits() throws Exception {
        int n = ok(ia.createNotification());
        ok(ia.bindSignals(n));
        k.table.signal(a.pid(), Signal.STOP, "test");
        k.table.signal(a.pid(), Signal.CONT, "test");
        assertEquals(Signal.STOP.bit() | Signal.CONT.bit(), ok(ia.waitSignal(n, LONG)));
        ok(ia.bindSignals(0));
        k.table.signal(a.pid(), Signal.STOP, "test");
        k.table.signal(a.pid(), Signal.CONT, "test");
        assertEquals(Errno.WOULD_BLOCK, errno(ia.waitSignal(n, Duration.ZERO)));
    }

    // ---- shared memory -----------------------------------------------------------------------

    @Test
    void sharedMemoryIsZeroCopyAndReadOnlyWithoutWrite() {
        int r = ok(ia.createSharedMemory(4096));
        int ro = give(a, r, b, Right.READ);
        SharedMapping rw = ok(ia.map(r));
        SharedMapping view = ok(ib.map(ro));
        rw.putLong(8, 0x1234_5678_9ABCL);
        assertEquals(0x1234_5678_9ABCL, view.getLong(8), "the same memory, not a copy");
        assertFalse(view.writable());
        assertEquals(Errno.MISSING_RIGHT, assertThrows(KoshException.class, () -> view.putInt(0, 1)).errno());
        assertThrows(ReadOnlyBufferException.class, () -> view.buffer().put(0, (byte) 1));
        assertEquals(Errno.INVALID_ARGUMENT, assertThrows(KoshException.class, () -> rw.getInt(4095)).errno());
        byte[] out = new byte[3];
        rw.write(100, new byte[] {1, 2, 3}, 0, 3);
        view.read(100, out, 0, 3);
        assertEquals(List.of((byte) 1, (byte) 2, (byte) 3), List.of(out[0], out[1], out[2]));
    }

    @Test
    void revokingUnmapsTheOtherProcessAtOnce() {
        int r = ok(ia.createSharedMemory(64));
        int ro = give(a, r, b, Right.READ);
        SharedMapping view = ok(ib.map(ro));
        view.getByte(0);
        k.ipc.space().revoke(a.capabilityTable(), r);
        assertFalse(view.mapped());
        assertEquals(Errno.CLOSED, assertThrows(KoshException.class, () -> view.getByte(0)).errno());
        assertEquals(Errno.REVOKED, errno(ib.map(ro)));
        assertTrue(ok(ia.map(r)).mapped(), "the owner keeps its own mapping rights");
    }

    @Test
    void sharedMemoryIsQuotaCheckedAndFreedWithItsLastCapability() {
        assertEquals(Errno.INVALID_ARGUMENT, errno(ia.createSharedMemory(0)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(ia.createSharedMemory(Long.MAX_VALUE)));
        int big = ok(ia.createSharedMemory(40L << 20));
        assertEquals(Errno.QUOTA_EXCEEDED, errno(ia.createSharedMemory(40L << 20)));
        SharedMapping m = ok(ia.map(big));
        ok(k.ipc.space().delete(a.capabilityTable(), big));
        assertFalse(m.mapped());
        ok(ia.createSharedMemory(40L << 20)); // the quota came back
        int n = ok(ia.createNotification());
        assertEquals(Errno.WRONG_TYPE, errno(ia.map(n)));
    }

    // ---- services and typed protocols --------------------------------------------------------

    /** The example protocol: a key-value store. */
    public interface KeyValue {
        void put(String key, String value);

        String get(String key);

        SysResult<Integer> size();

        Map<String, String> snapshot();
    }

    static final class Store implements KeyValue {
        final Map<String, String> map = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public void put(String key, String value) {
            if (key.isEmpty()) throw new KoshException(Errno.INVALID_ARGUMENT, "empty key");
            map.put(key, value);
        }

        @Override
        public String get(String key) {
            return map.get(key);
        }

        @Override
        public SysResult<Integer> size() {
            return SysResult.ok(map.size());
        }

        @Override
        public Map<String, String> snapshot() {
            return Map.copyOf(map);
        }
    }

    @Test
    void aTypedProtocolFeelsLikeCallingMethodsAndErrorsComeBackTyped() throws Exception {
        int ep = ok(ia.createEndpoint());
        ok(ia.register("kv", ep));
        var serving = CompletableFuture.supplyAsync(() -> ia.serve(KeyValue.class, new Store(), ep));
        int h = ok(ib.lookup("kv"));
        KeyValue kv = ok(ib.connect(KeyValue.class, h, LONG));
        kv.put("a", "1");
        kv.put("b", "2");
        assertEquals("1", kv.get("a"));
        assertEquals(null, kv.get("zz"));
        assertEquals(SysResult.ok(2), kv.size());
        assertEquals(Map.of("a", "1", "b", "2"), kv.snapshot());
        assertEquals(Errno.INVALID_ARGUMENT, assertThrows(KoshException.class, () -> kv.put("", "x")).errno());
        assertEquals(b.pid(), ok(k.ipc.space().identify(b.capabilityTable(), h)).badge(), "looked-up capabilities are badged with the client pid");
        k.kill(a);
        assertEquals(Errno.DEAD_PEER, assertThrows(KoshException.class, () -> kv.get("a")).errno());
        assertEquals(Errno.DEAD_PEER, errno(kv.size()));
        assertEquals(Errno.DEAD_PEER, errno(ib.lookup("kv")));
        serving.get(5, TimeUnit.SECONDS);
    }

    @Test
    void registrationAndLookupNeedTheirGrants() {
        int ep = ok(ib.createEndpoint());
        assertEquals(Errno.NO_CAPABILITY, errno(ib.register("kv", ep)), "b may not publish");
        assertEquals(Errno.NO_CAPABILITY, errno(ia.lookup("kv")), "a holds no service:kv");
        assertEquals(Errno.INVALID_ARGUMENT, errno(ia.register("no spaces", ok(ia.createEndpoint()))));
        assertEquals(Errno.DEAD_PEER, errno(ib.lookup("kv")), "nothing registered yet");
        int mine = ok(ia.createEndpoint());
        ok(ia.register("kv", mine));
        assertEquals(Errno.INVALID_ARGUMENT, errno(ia.register("kv", mine)), "taken");
        assertEquals(Errno.INVALID_ARGUMENT, errno(ia.connect(Runnable.class, 0, null)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(ia.serve(KeyValue.class, null, mine)));
        assertTrue(k.ipc.directory().registrations().containsKey("kv"));
    }

    // ---- meters and ipcstat ------------------------------------------------------------------

    @Test
    void metersShowCallLatencyChannelDepthAndObjects() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        IpcMetrics.bind(k.ipc, registry);
        int ch = ok(ia.createChannel(8));
        ok(ia.send(ch, Outgoing.of(0, null), Duration.ZERO));
        ok(ia.send(ch, Outgoing.of(0, null), Duration.ZERO));
        int ep = ok(ia.createEndpoint());
        var server = CompletableFuture.runAsync(() -> {
            Message m = ok(ia.receive(ep, LONG));
            ok(ia.reply(m.replyHandle(), Outgoing.of(0, null)));
        });
        ok(ia.call(ep, Outgoing.of(0, null), LONG));
        server.get(5, TimeUnit.SECONDS);
        assertEquals(1, registry.get("kosh.ipc.call.latency").timer().count());
        // The latency is sampled: a process's first call, then one in 64 (every call is still counted).
        var more = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 64; i++) {
                Message m = ok(ia.receive(ep, LONG));
                ok(ia.reply(m.replyHandle(), Outgoing.of(0, null)));
            }
        });
        for (int i = 0; i < 64; i++) ok(ia.call(ep, Outgoing.of(0, null), LONG));
        more.get(5, TimeUnit.SECONDS);
        assertEquals(2, registry.get("kosh.ipc.call.latency").timer().count());
        assertEquals(65.0, registry.get("kosh.ipc.calls").functionCounter().count());
        assertEquals(2.0, registry.get("kosh.ipc.channel.depth").tag("stat", "total").gauge().value());
        assertEquals(1.0, registry.get("kosh.ipc.objects").tag("type", "channel").gauge().value());
        var stats = k.ipc.stats();
        assertTrue(stats.stream().anyMatch(s -> s.type().equals("channel") && s.depth() == 2 && s.capacity() == 8), stats.toString());
        assertTrue(stats.stream().anyMatch(s -> s.type().equals("endpoint") && s.messages() == 65), stats.toString());
        assertEquals(Set.of(), Set.copyOf(k.ipc.directory().registrations().keySet()));
    }
}
