package dev.kosh.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** When a caller spins for a driver's answer, and for how long. */
@Timeout(20)
class AnswerWaitTest {

    @Test
    void aCpuIsSpareWhenOtherProcessesLeaveOneAndAHalf() {
        assertTrue(AnswerWait.spare(0.30, 0.25, 2), "others use 0.1 of 2 CPUs");
        assertTrue(AnswerWait.spare(0.50, 0.25, 2), "others use exactly half a CPU");
        assertFalse(AnswerWait.spare(0.60, 0.25, 2), "others use 0.7 CPU: the spinner would take the driver's");
        assertFalse(AnswerWait.spare(1.00, 0.10, 2), "a busy machine");
        assertTrue(AnswerWait.spare(0.50, 0.10, 8), "8 CPUs, others use 3.2");
        assertFalse(AnswerWait.spare(0.10, 0.05, 1), "one CPU: a spinner only delays the driver");
        assertFalse(AnswerWait.spare(-1, 0.1, 2), "load unknown");
        assertFalse(AnswerWait.spare(0.1, -1, 2), "own load unknown");
        // The sampled answer is one of the two, and asking again within the sample period is free.
        boolean first = AnswerWait.spareCpu();
        assertEquals(first, AnswerWait.spareCpu());
    }

    @Test
    void anAnswerThatComesWhileSpinningNeedsNoPark() throws Exception {
        AnswerWait wait = new AnswerWait();
        for (int i = 0; i < 40; i++) wait.answered(60_000); // a driver answering in ~60 µs
        CompletableFuture<String> reply = new CompletableFuture<>();
        Thread driver = Thread.ofPlatform().start(() -> reply.complete("ok"));
        long sent = System.nanoTime();
        driver.join();
        assertTrue(wait.spinFor(reply, sent, true));
        assertEquals("ok", reply.join());
    }

    @Test
    void aSpinEndsAtItsBudgetAndASlowDriverIsNotSpunFor() {
        AnswerWait wait = new AnswerWait();
        for (int i = 0; i < 40; i++) wait.answered(60_000);
        CompletableFuture<String> never = new CompletableFuture<>();
        long start = System.nanoTime();
        assertFalse(wait.spinFor(never, start, true));
        long spun = System.nanoTime() - start;
        assertTrue(spun >= 100_000, "spins about twice the average answer time, spun " + spun + " ns");
        assertTrue(spun < TimeUnit.SECONDS.toNanos(5), "and then gives up (generous bound): " + spun + " ns");
        assertFalse(wait.spinFor(never, System.nanoTime(), false), "no spare CPU: parks at once");

        AnswerWait slow = new AnswerWait();
        for (int i = 0; i < 40; i++) slow.answered(5_000_000); // a flush, say: 5 ms
        assertTrue(slow.averageNanos() > AnswerWait.MAX_SPIN_NANOS);
        start = System.nanoTime();
        assertFalse(slow.spinFor(never, start, true));
        assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(50), "not spun for at all");
        CompletableFuture<String> done = CompletableFuture.completedFuture("x");
        assertTrue(slow.spinFor(done, System.nanoTime(), true), "an answer already there is taken");
        assertTrue(wait.spinFor(done, System.nanoTime()), "the public form takes it too, spare CPU or not");
    }

    @Test
    void theAverageFollowsTheDriversAnswerTimes() {
        AnswerWait wait = new AnswerWait();
        assertEquals(0, wait.averageNanos());
        for (int i = 0; i < 100; i++) wait.answered(80_000);
        assertTrue(Math.abs(wait.averageNanos() - 80_000) < 1_000, "converges: " + wait.averageNanos());
        for (int i = 0; i < 100; i++) wait.answered(1_000_000);
        assertTrue(wait.averageNanos() > 900_000, "and moves when the driver slows: " + wait.averageNanos());
    }
}
