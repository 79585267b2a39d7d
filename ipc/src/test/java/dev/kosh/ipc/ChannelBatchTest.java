package dev.kosh.ipc;

import static dev.kosh.ipc.testing.Results.errno;
import static dev.kosh.ipc.testing.Results.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.quicktheories.generators.SourceDSL;

import dev.kosh.api.ChannelBatch;
import dev.kosh.api.Errno;
import dev.kosh.api.Ipc;
import dev.kosh.api.Message;
import dev.kosh.api.MessageType;
import dev.kosh.api.Outgoing;
import dev.kosh.api.Right;
import dev.kosh.api.Rights;
import dev.kosh.api.SysResult;
import dev.kosh.ipc.testing.IpcHarness;
import dev.kosh.kernel.process.KoshProcess;

/**
 * The channel data plane: {@code sendData}/{@code receiveData}, runs and chunks in a single-sender
 * channel, partial batches, the sender's badge, and that data is never shared mutably.
 */
@Timeout(30)
class ChannelBatchTest {
    static final Duration LONG = Duration.ofSeconds(5);
    static final MessageType T = MessageType.SERVICE_REQUEST;
    final IpcHarness k = new IpcHarness();
    final KoshProcess receiver = k.idle("receiver");
    final KoshProcess sender = k.idle("sender");
    final Ipc r = k.ipc(receiver);
    final Ipc s = k.ipc(sender);

    @AfterEach
    void close() {
        k.close();
    }

    /** The sender's handle on the receiver's channel, with {@code rights} and {@code badge}. */
    int give(int channel, KoshProcess to, long badge, Right... rights) {
        return ok(k.ipc.space().grant(receiver.capabilityTable().lookup(channel), to.capabilityTable(), Rights.of(rights), badge));
    }

    static Object[] values(int from, int n) {
        Object[] v = new Object[n];
        for (int i = 0; i < n; i++) v[i] = from + i;
        return v;
    }

    static <T> CompletableFuture<T> inThread(java.util.function.Supplier<T> s) {
        return CompletableFuture.supplyAsync(s, r -> Thread.ofPlatform().daemon().start(r));
    }

    @Test
    void aPartialBatchOnAFullChannelAnswersHowManyWentInAndNothingIsDropped() {
        for (boolean single : new boolean[] {true, false}) {
            int ch = ok(r.createChannel(8, single));
            int send = give(ch, sender, 0, Right.SEND);
            assertEquals(8, ok(s.sendData(send, T, 1, values(0, 12), 0, 12, Duration.ZERO)), "as many as fit");
            assertEquals(Errno.FULL, errno(s.sendData(send, T, 1, values(8, 4), 0, 4, Duration.ZERO)));
            assertEquals(Errno.TIMEOUT, errno(s.sendData(send, T, 1, values(8, 4), 0, 4, Duration.ofMillis(20))));
            Object[] in = new Object[5];
            ChannelBatch b = ok(r.receiveData(ch, in, LONG));
            assertEquals(5, b.count());
            assertArrayEquals(values(0, 5), in);
            assertEquals(4, ok(s.sendData(send, T, 1, values(8, 4), 0, 4, LONG)), "room for 5 again: all 4 go in");
            Object[] rest = new Object[16];
            assertEquals(7, ok(r.receiveData(ch, rest, LONG)).count());
            for (int i = 0; i < 7; i++) assertEquals(5 + i, rest[i]);
            assertEquals(Errno.WOULD_BLOCK, errno(r.receiveData(ch, rest, Duration.ZERO)));
        }
    }

    @Test
    void theCapacityCountsMessagesNotQueueSlots() {
        int ch = ok(r.createChannel(4, true));
        // alternating labels: a header per message in the single-sender queue, still 4 messages fit
        Outgoing[] out = {Outgoing.of(1, "a"), Outgoing.of(2, "b"), Outgoing.of(1, "c"), Outgoing.of(2, "d"), Outgoing.of(1, "e")};
        assertEquals(4, ok(r.sendMany(ch, out, 0, 5, Duration.ZERO)));
        assertEquals(Errno.FULL, errno(r.send(ch, Outgoing.of(3, "f"), Duration.ZERO)));
        assertEquals(4L, k.ipc.channelDepthTotal());
        Message m = ok(r.receive(ch, Duration.ZERO));
        assertEquals("a", m.data());
        assertEquals(3L, k.ipc.channelDepthTotal());
        ok(r.send(ch, Outgoing.of(3, "f"), Duration.ZERO));
        List<Object> got = new ArrayList<>();
        Message[] in = new Message[8];
        int n = ok(r.receiveMany(ch, in, Duration.ZERO));
        for (int i = 0; i < n; i++) got.add(in[i].data());
        assertEquals(List.of("b", "c", "d", "f"), got);
    }

    @Test
    void receiveDataStopsWhereTheRunChangesAndTellsWhoSentIt() {
        for (boolean single : new boolean[] {true, false}) {
            int ch = ok(r.createChannel(64, single));
            int send = give(ch, sender, 55, Right.SEND);
            ok(s.sendData(send, T, 1, values(0, 3), 0, 3, Duration.ZERO));
            ok(s.sendData(send, T, 1, values(3, 2), 0, 2, Duration.ZERO)); // same run: merges with the last
            ok(s.sendData(send, MessageType.DRIVER_REQUEST, 1, values(5, 1), 0, 1, Duration.ZERO));
            ok(s.sendMany(send, new Outgoing[] {Outgoing.of(2, 6), Outgoing.of(2, 7), Outgoing.of(3, 8)}, 0, 3, Duration.ZERO));
            ok(r.sendData(ch, T, 2, values(9, 1), 0, 1, Duration.ZERO)); // another sender (pid and badge)
            Object[] in = new Object[64];
            assertEquals(new ChannelBatch(5, sender.pid(), 55, T, 1, List.of()), ok(r.receiveData(ch, in, Duration.ZERO)));
            assertArrayEquals(values(0, 5), java.util.Arrays.copyOf(in, 5));
            assertEquals(new ChannelBatch(1, sender.pid(), 55, MessageType.DRIVER_REQUEST, 1, List.of()), ok(r.receiveData(ch, in, Duration.ZERO)));
            assertEquals(new ChannelBatch(2, sender.pid(), 55, T, 2, List.of()), ok(r.receiveData(ch, in, Duration.ZERO)));
            assertEquals(List.of(6, 7), List.of(in[0], in[1]));
            assertEquals(new ChannelBatch(1, sender.pid(), 55, T, 3, List.of()), ok(r.receiveData(ch, in, Duration.ZERO)));
            assertEquals(new ChannelBatch(1, receiver.pid(), 0, T, 2, List.of()), ok(r.receiveData(ch, in, Duration.ZERO)));
            assertEquals(9, in[0]);
        }
    }

    @Test
    void everyReceiveSeesTheBadgeOfTheSendersCapabilityNotTheReceivers() {
        for (boolean single : new boolean[] {true, false}) {
            int ch = ok(r.createChannel(16, single));
            int send = give(ch, sender, 41, Right.SEND);
            KoshProcess third = k.idle("third");
            int recv = give(ch, third, 99, Right.RECEIVE);
            Ipc t = k.ipc(third);
            ok(s.send(send, Outgoing.of(0, "one"), Duration.ZERO));
            ok(s.sendMany(send, new Outgoing[] {Outgoing.of(0, "many")}, 0, 1, Duration.ZERO));
            ok(s.sendData(send, T, 0, new Object[] {"data"}, 0, 1, Duration.ZERO));
            Message one = ok(t.receive(recv, Duration.ZERO));
            assertEquals(41, one.badge());
            assertEquals(sender.pid(), one.sender());
            assertEquals(third.pid(), one.receiver());
            Message[] many = new Message[1];
            ok(t.receiveMany(recv, many, Duration.ZERO));
            assertEquals(41, many[0].badge());
            assertEquals(41, ok(t.receiveData(recv, new Object[1], Duration.ZERO)).badge());
        }
    }

    @Test
    void mutableDataIsCopiedBothWaysAndTheSendersArrayIsNotKept() {
        for (boolean single : new boolean[] {true, false}) {
            int ch = ok(r.createChannel(16, single));
            byte[] bytes = {1, 2, 3};
            Object[] out = {bytes, "s", null};
            ok(r.sendData(ch, T, 0, out, 0, 3, Duration.ZERO));
            bytes[0] = 9;          // the sender changes its data after sending
            out[1] = "changed";    // and its array
            Object[] in = new Object[3];
            assertEquals(3, ok(r.receiveData(ch, in, Duration.ZERO)).count());
            assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) in[0]);
            assertNotSame(bytes, in[0]);
            assertEquals("s", in[1]);
            assertNull(in[2], "null data passes as null");
            ((byte[]) in[0])[1] = 7; // the receiver changes what it got: the sender's bytes are untouched
            assertEquals(2, bytes[1]);
            assertEquals(Errno.INVALID_ARGUMENT, errno(r.sendData(ch, T, 0, new Object[] {"x", new StringBuilder("no")}, 0, 2, Duration.ZERO)));
            assertEquals(Errno.WOULD_BLOCK, errno(r.receiveData(ch, in, Duration.ZERO)), "nothing of a refused batch was sent");
        }
    }

    @Test
    void dataPlaneArgumentsHandlesAndRightsAreChecked() {
        int ch = ok(r.createChannel(8, true));
        int ep = ok(r.createEndpoint());
        int sendOnly = give(ch, sender, 0, Right.SEND);
        int recvOnly = give(ch, sender, 0, Right.RECEIVE);
        Object[] one = {1};
        assertEquals(Errno.INVALID_HANDLE, errno(s.sendData(4242, T, 0, one, 0, 1, Duration.ZERO)));
        assertEquals(Errno.INVALID_HANDLE, errno(s.receiveData(4242, one, Duration.ZERO)));
        assertEquals(Errno.WRONG_TYPE, errno(r.sendData(ep, T, 0, one, 0, 1, Duration.ZERO)));
        assertEquals(Errno.WRONG_TYPE, errno(r.receiveData(ep, one, Duration.ZERO)));
        assertEquals(Errno.MISSING_RIGHT, errno(s.sendData(recvOnly, T, 0, one, 0, 1, Duration.ZERO)));
        assertEquals(Errno.MISSING_RIGHT, errno(s.receiveData(sendOnly, one, Duration.ZERO)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(r.sendData(ch, null, 0, one, 0, 1, Duration.ZERO)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(r.sendData(ch, T, 0, null, 0, 1, Duration.ZERO)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(r.sendData(ch, T, 0, one, 1, 1, Duration.ZERO)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(r.sendData(ch, T, 0, one, -1, 1, Duration.ZERO)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(r.sendData(ch, T, 0, one, 0, 0, Duration.ZERO)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(r.sendData(ch, T, 0, one, 0, 1, Duration.ofSeconds(-1))));
        assertEquals(Errno.INVALID_ARGUMENT, errno(r.receiveData(ch, new Object[0], Duration.ZERO)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(r.receiveData(ch, null, Duration.ZERO)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(r.receiveData(ch, new String[1], Duration.ZERO)), "the kernel stores any value: Object[] only");
        assertEquals(Errno.INVALID_ARGUMENT, errno(r.receiveData(ch, one, null)));
        ok(r.sendData(ch, T, 0, new String[] {"typed", "arrays"}, 0, 2, Duration.ZERO)); // a String[] to send is fine
        assertEquals(2, ok(r.receiveData(ch, new Object[2], Duration.ZERO)).count());
    }

    @Test
    void aCapabilityInTheMiddleOfBatchesIsABatchOfOneWithItsHandle() {
        int ch = ok(r.createChannel(16, true));
        int send = give(ch, sender, 0, Right.SEND, Right.GRANT);
        int note = ok(s.createNotification());
        ok(s.sendData(send, T, 0, values(0, 3), 0, 3, Duration.ZERO));
        ok(s.send(send, Outgoing.of(0, "cap").copying(note), Duration.ZERO));
        ok(s.sendData(send, T, 0, values(3, 2), 0, 2, Duration.ZERO));
        Object[] in = new Object[16];
        assertEquals(3, ok(r.receiveData(ch, in, Duration.ZERO)).count());
        ChannelBatch withCap = ok(r.receiveData(ch, in, Duration.ZERO));
        assertEquals(1, withCap.count());
        assertEquals("cap", in[0]);
        assertEquals(1, withCap.handles().size());
        ok(r.signal(withCap.handles().get(0), 1)); // the handle works in the receiver's table
        assertEquals(2, ok(r.receiveData(ch, in, Duration.ZERO)).count());
        assertEquals(List.of(3, 4), List.of(in[0], in[1]));
    }

    @Test
    void capabilitiesOfUnreadSingleSenderMessagesAreDeletedWithTheChannel() {
        int ch = ok(r.createChannel(8, true));
        int note = ok(r.createNotification());
        ok(r.sendData(ch, T, 0, values(0, 2), 0, 2, Duration.ZERO));
        ok(r.send(ch, Outgoing.of(0, null).copying(note), Duration.ZERO));
        var noteObject = receiver.capabilityTable().lookup(note).object();
        assertEquals(2, noteObject.capabilityCount(), "the copy in transit counts");
        ok(k.ipc.space().delete(receiver.capabilityTable(), ch));
        assertEquals(1, noteObject.capabilityCount());
    }

    @Test
    void oneChunkCanBeReadBySingleReceivesManyAndData() {
        int ch = ok(r.createChannel(16, true));
        ok(r.sendData(ch, T, 4, values(0, 10), 0, 10, Duration.ZERO));
        assertEquals(0, ok(r.receive(ch, Duration.ZERO)).data());
        Message[] two = new Message[2];
        assertEquals(2, ok(r.receiveMany(ch, two, Duration.ZERO)));
        assertEquals(List.of(1, 2), List.of(two[0].data(), two[1].data()));
        Object[] three = new Object[3];
        assertEquals(3, ok(r.receiveData(ch, three, Duration.ZERO)).count());
        assertArrayEquals(values(3, 3), three);
        Object[] rest = new Object[10];
        assertEquals(4, ok(r.receiveData(ch, rest, Duration.ZERO)).count());
        assertEquals(9, rest[3]);
        assertEquals(Errno.WOULD_BLOCK, errno(r.receive(ch, Duration.ZERO)));
    }

    @Test
    void closingTheChannelEndsAWaitingBatchSenderAndTheReceiverDrainsFirst() throws Exception {
        int ch = ok(r.createChannel(4, true));
        int send = give(ch, sender, 0, Right.SEND);
        assertEquals(4, ok(s.sendData(send, T, 0, values(0, 6), 0, 6, Duration.ZERO)));
        var blocked = inThread(() -> s.sendData(send, T, 0, values(4, 2), 0, 2, Duration.ofSeconds(30)));
        Thread.sleep(50);
        ok(r.closeChannel(ch));
        assertEquals(Errno.CLOSED, errno(blocked.get(5, TimeUnit.SECONDS)));
        assertEquals(Errno.CLOSED, errno(s.sendData(send, T, 0, values(4, 2), 0, 2, Duration.ZERO)));
        Object[] in = new Object[8];
        assertEquals(4, ok(r.receiveData(ch, in, LONG)).count());
        assertEquals(Errno.CLOSED, errno(r.receiveData(ch, in, LONG)));
    }

    @Test
    void aSendRacingCloseIsEitherReceivedOrRefusedNeverAcknowledgedAndLost() throws Exception {
        for (boolean single : new boolean[] {true, false}) {
            for (int round = 0; round < 200; round++) {
                int ch = ok(r.createChannel(64, single));
                int send = give(ch, sender, 0, Right.SEND);
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                var acknowledged = inThread(() -> {
                    int ok = 0;
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return -1;
                    }
                    for (int i = 0; i < 10_000; i++) {
                        SysResult<?> res = (i & 1) == 0 ? s.send(send, Outgoing.of(0, i), Duration.ofMillis(50))
                                : s.sendData(send, T, 0, values(i, 1), 0, 1, Duration.ofMillis(50));
                        if (res instanceof SysResult.Ok<?>) ok++;
                        else if (errno(res) == Errno.CLOSED) break;
                    }
                    return ok;
                });
                var received = inThread(() -> {
                    int n = 0;
                    while (true) {
                        SysResult<Message> m = r.receive(ch, LONG);
                        if (m instanceof SysResult.Ok<Message>) n++;
                        else return errno(m) == Errno.CLOSED ? n : -1;
                    }
                });
                go.countDown();
                Thread.sleep(0, 200_000 + (round % 7) * 50_000);
                ok(r.closeChannel(ch));
                int acked = acknowledged.get(10, TimeUnit.SECONDS);
                assertEquals(acked, (int) received.get(10, TimeUnit.SECONDS),
                        (single ? "single" : "multi") + "-sender round " + round + ": every message answered OK was received before CLOSED");
            }
        }
    }

    @Test
    void aWaitingBatchSenderProceedsAsSoonAsThereIsRoom() throws Exception {
        int ch = ok(r.createChannel(4, true));
        int send = give(ch, sender, 0, Right.SEND);
        ok(s.sendData(send, T, 0, values(0, 4), 0, 4, Duration.ZERO));
        var blocked = inThread(() -> s.sendData(send, T, 0, values(4, 3), 0, 3, Duration.ofSeconds(30)));
        Thread.sleep(30);
        Object[] in = new Object[2];
        assertEquals(2, ok(r.receiveData(ch, in, LONG)).count());
        assertEquals(2, ok(blocked.get(5, TimeUnit.SECONDS)), "the room there was");
        Object[] rest = new Object[8];
        assertEquals(4, ok(r.receiveData(ch, rest, LONG)).count());
        assertEquals(List.of(2, 3, 4, 5), List.of(rest[0], rest[1], rest[2], rest[3]));
    }

    @Test
    void revocationEndsAWaitingBatchSenderAndAWaitingDataReceiverAtOnce() throws Exception {
        int ch = ok(r.createChannel(2, true));
        int send = give(ch, sender, 0, Right.SEND);
        int recv = give(ch, sender, 0, Right.RECEIVE);
        ok(s.sendData(send, T, 0, values(0, 2), 0, 2, Duration.ZERO));
        var sending = inThread(() -> s.sendData(send, T, 0, values(2, 1), 0, 1, Duration.ofSeconds(30)));
        Thread.sleep(30);
        ok(r.receiveData(ch, new Object[2], LONG)); // empty again: the blocked sender goes in
        ok(sending.get(5, TimeUnit.SECONDS));
        ok(r.receiveData(ch, new Object[2], LONG));
        var receiving = inThread(() -> s.receiveData(recv, new Object[2], Duration.ofSeconds(30)));
        Thread.sleep(30);
        long t0 = System.nanoTime();
        ok(k.ipc.space().revoke(receiver.capabilityTable(), ch));
        assertEquals(Errno.REVOKED, errno(receiving.get(5, TimeUnit.SECONDS)));
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "at once, not at the timeout");
    }

    @Test
    void concurrentSendersOfEveryKindLoseNothingAndKeepEachSendersOrder() throws Exception {
        for (boolean single : new boolean[] {true, false}) {
            int ch = ok(r.createChannel(16, single));
            int send = give(ch, sender, 0, Right.SEND);
            int perSender = 3000;
            List<Thread> senders = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int id = t;
                senders.add(Thread.ofPlatform().daemon().start(() -> {
                    int next = 0;
                    while (next < perSender) {
                        int n = Math.min(1 + next % 7, perSender - next);
                        switch (next % 3) { // every call kind, interleaved with the other senders
                            case 0 -> next += ok(s.sendData(send, T, id, values(next, n), 0, n, LONG));
                            case 1 -> {
                                Outgoing[] out = new Outgoing[n];
                                for (int i = 0; i < n; i++) out[i] = Outgoing.of(id, next + i);
                                next += ok(s.sendMany(send, out, 0, n, LONG));
                            }
                            default -> {
                                ok(s.send(send, Outgoing.of(id, next), LONG));
                                next++;
                            }
                        }
                    }
                }));
            }
            int[] expected = new int[3];
            int got = 0;
            Object[] in = new Object[5];
            while (got < 3 * perSender) {
                ChannelBatch b = ok(r.receiveData(ch, in, LONG));
                for (int i = 0; i < b.count(); i++) assertEquals(expected[b.label()]++, in[i], "sender " + b.label() + "'s order");
                got += b.count();
            }
            for (Thread t : senders) t.join();
            assertEquals(Errno.WOULD_BLOCK, errno(r.receiveData(ch, in, Duration.ZERO)));
            assertEquals(0L, k.ipc.channelDepthTotal());
        }
    }

    /**
     * Ping-pong through two channels with receivers that park at once (no spinning), so every
     * message has to wake a parked receiver: a lost wake-up would leave a receive waiting out its
     * timeout and fail the round.
     */
    @Test
    void noWakeUpIsLostWhenBatchReceiversParkOnEveryMessage() throws Exception {
        try (IpcHarness parked = new IpcHarness(IpcKernel.Options.DEFAULT.withSpinNanos(0))) {
            KoshProcess a = parked.idle("a");
            KoshProcess b = parked.idle("b");
            Ipc ia = parked.ipc(a);
            Ipc ib = parked.ipc(b);
            for (boolean single : new boolean[] {true, false}) {
                int ping = ok(ib.createChannel(4, single));
                int pong = ok(ia.createChannel(4, single));
                int pingSend = ok(parked.ipc.space().grant(b.capabilityTable().lookup(ping), a.capabilityTable(), Rights.of(Right.SEND), 0));
                int pongSend = ok(parked.ipc.space().grant(a.capabilityTable().lookup(pong), b.capabilityTable(), Rights.of(Right.SEND), 0));
                int rounds = 3000;
                Duration patience = Duration.ofSeconds(2);
                var echo = inThread(() -> {
                    Object[] in = new Object[4];
                    for (int i = 0; i < rounds; i++) {
                        if (!(ib.receiveData(ping, in, patience) instanceof SysResult.Ok<ChannelBatch>(ChannelBatch got)) || got.count() != 1) return "round " + i + ": no ping";
                        if (!ib.sendData(pongSend, T, 0, in, 0, 1, patience).isOk()) return "round " + i + ": pong not sent";
                    }
                    return "done";
                });
                Object[] in = new Object[4];
                for (int i = 0; i < rounds; i++) {
                    ok(ia.sendData(pingSend, T, 0, new Object[] {i}, 0, 1, patience));
                    assertEquals(1, ok(ia.receiveData(pong, in, patience)).count(), "round " + i);
                    assertEquals(i, in[0]);
                }
                assertEquals("done", echo.get(10, TimeUnit.SECONDS));
            }
        }
    }

    /**
     * Random single-threaded scripts of every send and receive call, on both kinds of channel,
     * against a bounded FIFO model: what goes in (how many of a batch), what comes out, in which
     * order, with which label, and where receiveData ends a run.
     */
    @Test
    void everyChannelCallBehavesAsABoundedFifoOfMessages() {
        qt().withExamples(150).forAll(SourceDSL.integers().between(2, 16), SourceDSL.booleans().all(),
                        SourceDSL.lists().of(SourceDSL.integers().between(0, 600)).ofSizeBetween(0, 120))
                .checkAssert((requested, single, script) -> {
                    try (IpcHarness h = new IpcHarness()) {
                        KoshProcess p = h.idle("p");
                        Ipc ipc = h.ipc(p);
                        int ch = ok(ipc.createChannel(requested, single));
                        int capacity = Integer.highestOneBit(requested - 1) << 1;
                        record M(int label, int data) {}
                        ArrayDeque<M> model = new ArrayDeque<>();
                        int seq = 0;
                        for (int step : script) {
                            int op = step % 6, arg = step / 6;
                            int room = capacity - model.size();
                            switch (op) {
                                case 0, 1, 2 -> {
                                    int n = op == 0 ? 1 : 1 + arg % 10;
                                    List<M> batch = new ArrayList<>();
                                    for (int i = 0; i < n; i++) batch.add(new M(op == 2 ? arg % 3 : (arg >> i) & 1, seq++));
                                    SysResult<?> res;
                                    if (op == 0) {
                                        res = ipc.send(ch, Outgoing.of(batch.get(0).label(), batch.get(0).data()), Duration.ZERO);
                                    } else if (op == 1) {
                                        Outgoing[] out = batch.stream().map(m -> Outgoing.of(m.label(), m.data())).toArray(Outgoing[]::new);
                                        res = ipc.sendMany(ch, out, 0, n, Duration.ZERO);
                                    } else {
                                        Object[] out = batch.stream().map(M::data).toArray();
                                        res = ipc.sendData(ch, T, arg % 3, out, 0, n, Duration.ZERO);
                                    }
                                    if (room == 0) {
                                        assertEquals(Errno.FULL, errno(res));
                                    } else {
                                        int accepted = Math.min(n, room);
                                        if (op != 0) assertEquals(accepted, ok(res));
                                        else ok(res);
                                        model.addAll(batch.subList(0, accepted));
                                    }
                                }
                                case 3 -> {
                                    if (model.isEmpty()) {
                                        assertEquals(Errno.WOULD_BLOCK, errno(ipc.receive(ch, Duration.ZERO)));
                                    } else {
                                        M want = model.pollFirst();
                                        Message m = ok(ipc.receive(ch, Duration.ZERO));
                                        assertEquals(want, new M(m.label(), (Integer) m.data()));
                                    }
                                }
                                case 4 -> {
                                    Message[] in = new Message[1 + arg % 7];
                                    if (model.isEmpty()) {
                                        assertEquals(Errno.WOULD_BLOCK, errno(ipc.receiveMany(ch, in, Duration.ZERO)));
                                    } else {
                                        int n = ok(ipc.receiveMany(ch, in, Duration.ZERO));
                                        assertEquals(Math.min(in.length, model.size()), n);
                                        for (int i = 0; i < n; i++) assertEquals(model.pollFirst(), new M(in[i].label(), (Integer) in[i].data()));
                                    }
                                }
                                default -> {
                                    Object[] in = new Object[1 + arg % 7];
                                    if (model.isEmpty()) {
                                        assertEquals(Errno.WOULD_BLOCK, errno(ipc.receiveData(ch, in, Duration.ZERO)));
                                    } else {
                                        ChannelBatch b = ok(ipc.receiveData(ch, in, Duration.ZERO));
                                        int label = model.peekFirst().label();
                                        int expected = 0;
                                        for (M m : model) {
                                            if (m.label() != label || expected == in.length) break;
                                            expected++;
                                        }
                                        assertEquals(expected, b.count(), "the whole run, up to the array's length");
                                        assertEquals(label, b.label());
                                        for (int i = 0; i < expected; i++) assertEquals(model.pollFirst().data(), in[i]);
                                    }
                                }
                            }
                            assertEquals((long) model.size(), h.ipc.channelDepthTotal());
                        }
                    }
                });
    }
}
