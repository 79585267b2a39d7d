package dev.kosh.ipc;

import static dev.kosh.ipc.testing.Results.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kosh.api.Ipc;
import dev.kosh.api.Signal;
import dev.kosh.ipc.testing.IpcHarness;

/** The fault bit's producer through a real notification bound with {@code bindSignals}. */
@Timeout(20)
class FaultBitTest {
    final IpcHarness k = new IpcHarness();

    @AfterEach
    void close() {
        k.close();
    }

    @Test
    void aWorkersUncaughtExceptionSetsTheSegvBitOnTheBoundNotification() throws Exception {
        IpcHarness.Running r = k.running("supervised");
        Ipc ipc = k.ipc(r.process());
        int note = ok(ipc.createNotification());
        ok(ipc.bindSignals(note));
        ok(r.ctx().startThread("worker", () -> {
            throw new IllegalStateException("broken");
        })).join(5000);
        assertEquals(Signal.SEGV.bit(), ok(ipc.waitSignal(note, Duration.ofSeconds(5))), "the fault bit, and nothing else");
        assertFalse(r.process().finished(), "a Java exception ends its thread only");
        // Unbound, the fault is still journaled but no bit arrives.
        ok(ipc.bindSignals(0));
        ok(r.ctx().startThread("again", () -> {
            throw new IllegalStateException("broken again");
        })).join(5000);
        assertEquals(dev.kosh.api.Errno.WOULD_BLOCK, ((dev.kosh.api.SysResult.Err<Long>) ipc.waitSignal(note, Duration.ZERO)).errno());
        assertEquals(2, k.journal.stream().filter(l -> l.contains("fault (SEGV): thread")).count(), k.journal.toString());
    }
}
