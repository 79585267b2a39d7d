package dev.kosh.ipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.quicktheories.generators.SourceDSL;

@Timeout(10)
class MpscChannelTest {

    @Test
    void capacityIsAtLeastWhatWasAskedAndSmallCapacitiesAreRefused() {
        assertEquals(8, new MpscChannel<String>(8).capacity());
        assertTrue(new MpscChannel<String>(5).capacity() >= 5);
        assertThrows(IllegalArgumentException.class, () -> new MpscChannel<String>(1));
    }

    @Test
    void fullChannelAnswersFullAndLosesNothing() {
        MpscChannel<Integer> ch = new MpscChannel<>(4);
        for (int i = 0; i < ch.capacity(); i++) assertEquals(SendStatus.OK, ch.trySend(i));
        assertEquals(SendStatus.FULL, ch.trySend(99));
        assertEquals(ch.capacity(), ch.size());
        List<Integer> got = new ArrayList<>();
        assertEquals(4, ch.drain(got::add, 100));
        assertEquals(List.of(0, 1, 2, 3), got);
        assertEquals(SendStatus.OK, ch.trySend(4), "space again after a receive");
    }

    @Test
    void sendToAFullChannelTimesOutWithoutTakingTheMessage() {
        MpscChannel<Integer> ch = new MpscChannel<>(2);
        ch.trySend(1);
        ch.trySend(2);
        assertEquals(SendStatus.TIMEOUT, ch.send(3, Duration.ofMillis(5)));
        assertEquals(1, ch.poll());
        assertEquals(2, ch.poll());
        assertNull(ch.poll());
    }

    @Test
    void blockingSendProceedsWhenTheReceiverMakesRoom() throws Exception {
        MpscChannel<Integer> ch = new MpscChannel<>(2);
        ch.trySend(1);
        ch.trySend(2);
        CompletableFuture<SendStatus> sent = CompletableFuture.supplyAsync(() -> ch.send(3, Duration.ofSeconds(5)));
        assertEquals(1, ch.receive(Duration.ofSeconds(1)));
        assertEquals(SendStatus.OK, sent.get(5, TimeUnit.SECONDS));
        assertEquals(2, ch.poll());
        assertEquals(3, ch.poll());
    }

    @Test
    void closedChannelRefusesSendsButKeepsWhatItHolds() {
        MpscChannel<String> ch = new MpscChannel<>(4);
        ch.trySend("a");
        ch.close();
        assertTrue(ch.isClosed());
        assertEquals(SendStatus.CLOSED, ch.trySend("b"));
        assertEquals(SendStatus.CLOSED, ch.send("b", Duration.ofSeconds(1)));
        assertEquals("a", ch.receive(Duration.ofSeconds(1)));
        assertNull(ch.receive(Duration.ofSeconds(5)), "a closed empty channel answers at once");
    }

    @Test
    void nullMessagesAreRefused() {
        assertThrows(NullPointerException.class, () -> new MpscChannel<String>(2).trySend(null));
    }

    @Test
    void receiveTimesOutOnAnEmptyChannel() {
        MpscChannel<String> ch = new MpscChannel<>(2);
        long t0 = System.nanoTime();
        assertNull(ch.receive(Duration.ofMillis(20)));
        assertTrue(System.nanoTime() - t0 >= 20_000_000L);
    }

    @Test
    void blockingReceiveWakesOnSend() throws Exception {
        MpscChannel<String> ch = new MpscChannel<>(2);
        CountDownLatch receiving = new CountDownLatch(1);
        CompletableFuture<String> got = CompletableFuture.supplyAsync(() -> {
            receiving.countDown();
            return ch.receive(Duration.ofSeconds(5));
        });
        receiving.await();
        long t0 = System.nanoTime();
        assertEquals(SendStatus.OK, ch.trySend("hello"));
        assertEquals("hello", got.get(5, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "woken by the send, not by the deadline");
    }

    @Test
    void blockingReceiveWakesOnClose() throws Exception {
        MpscChannel<String> ch = new MpscChannel<>(2);
        CountDownLatch receiving = new CountDownLatch(1);
        CompletableFuture<String> got = CompletableFuture.supplyAsync(() -> {
            receiving.countDown();
            return ch.receive(Duration.ofSeconds(30));
        });
        receiving.await();
        ch.close();
        assertNull(got.get(5, TimeUnit.SECONDS));
    }

    /**
     * Ping-pong where each receiver parks between messages: the window between a sender's element
     * store and its read of the parked flag is hit on every round. A lost wake-up shows as a round
     * that waits for the receiver's timeout (seconds) instead of microseconds.
     */
    @Test
    void noWakeUpIsLostWhenReceiversParkOnEveryMessage() throws Exception {
        int rounds = 20_000;
        MpscChannel<Integer> ping = new MpscChannel<>(4);
        MpscChannel<Integer> pong = new MpscChannel<>(4);
        Duration patience = Duration.ofSeconds(5);
        long[] slowest = new long[1];
        Thread echo = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < rounds; i++) {
                Integer m = ping.receive(patience);
                if (m == null) return;
                pong.trySend(m);
            }
        });
        int lost = 0;
        for (int i = 0; i < rounds && lost == 0; i++) {
            long t0 = System.nanoTime();
            assertEquals(SendStatus.OK, ping.trySend(i));
            Integer back = pong.receive(patience);
            long took = System.nanoTime() - t0;
            slowest[0] = Math.max(slowest[0], took);
            if (back == null || took > patience.toNanos() / 2) lost++;
            else assertEquals(i, back);
        }
        echo.join(10_000);
        assertEquals(0, lost, "a round waited for the timeout: a wake-up was lost (slowest round " + slowest[0] / 1_000_000 + " ms)");
    }

    @Test
    void interruptedReceiveReturnsNull() {
        MpscChannel<String> ch = new MpscChannel<>(2);
        Thread.currentThread().interrupt();
        try {
            assertNull(ch.receive(Duration.ofSeconds(30)));
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void manyProducersOneConsumerDeliverEveryMessageOnceAndInOrderPerProducer() throws Exception {
        int producers = 4, perProducer = 50_000;
        MpscChannel<long[]> ch = new MpscChannel<>(64);
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int id = p;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perProducer; i++) {
                    if (ch.send(new long[] {id, i}, Duration.ofSeconds(5)) != SendStatus.OK) throw new AssertionError("send failed");
                }
            }));
        }
        long[] next = new long[producers];
        start.countDown();
        for (int n = 0; n < producers * perProducer; n++) {
            long[] m = ch.receive(Duration.ofSeconds(5));
            if (m == null) throw new AssertionError("lost messages after " + n);
            int id = (int) m[0];
            assertEquals(next[id], m[1], "producer " + id + " in order");
            next[id]++;
        }
        for (Thread t : threads) t.join(5000);
        assertNull(ch.poll(), "nothing delivered twice");
        for (long n : next) assertEquals(perProducer, n);
    }

    /** One step of a single-threaded schedule: send value v, or take one message. */
    private record Op(boolean send, int value) {}

    @Test
    void behavesAsABoundedFifoUnderAnyInterleavingOfSendAndPoll() {
        qt().forAll(SourceDSL.integers().between(2, 16),
                        SourceDSL.lists().of(SourceDSL.integers().between(-1, 1000)).ofSizeBetween(0, 200))
                .checkAssert((requested, script) -> {
                    MpscChannel<Integer> ch = new MpscChannel<>(requested);
                    ArrayDeque<Integer> model = new ArrayDeque<>();
                    for (int step : script) {
                        Op op = new Op(step >= 0, step);
                        if (op.send()) {
                            SendStatus expected = model.size() < ch.capacity() ? SendStatus.OK : SendStatus.FULL;
                            assertEquals(expected, ch.trySend(op.value()));
                            if (expected == SendStatus.OK) model.addLast(op.value());
                        } else {
                            assertEquals(model.pollFirst(), ch.poll());
                        }
                        assertEquals(model.size(), ch.size());
                    }
                    ch.close();
                    assertEquals(SendStatus.CLOSED, ch.trySend(0));
                    List<Integer> rest = new ArrayList<>();
                    ch.drain(rest::add, Integer.MAX_VALUE);
                    assertEquals(new ArrayList<>(model), rest);
                });
    }
}
