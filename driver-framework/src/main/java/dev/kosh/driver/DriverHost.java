package dev.kosh.driver;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import dev.kosh.api.ProcessContext;
import dev.kosh.api.Program;
import dev.kosh.driver.api.DriverError;
import dev.kosh.driver.api.DriverRequest;
import dev.kosh.driver.api.DriverResponse;
import dev.kosh.driver.api.KoshDriver;
import dev.kosh.ipc.MpscChannel;
import dev.kosh.sandbox.Killed;

/**
 * The program a driver process runs: initialises the driver, then serves requests one at a time
 * (first any replayed from a faulted predecessor, then the driver's channel) until the process is
 * asked to stop, then cleans up. A fault — a throw from {@code handleRequest}, no or a malformed
 * response, a throw from {@code cleanup}, or (on a restart) from {@code init} — ends the process
 * at once (isolation); the driver manager decides what happens to the request in flight and
 * whether a new instance starts. The channel belongs to the manager, not to an instance: requests
 * queued during a restart wait there for the next one.
 *
 * <p>An instance that was killed may still be running for a moment (its thread unwinds after the
 * manager has moved on): every step it takes on the slot names its pid, and the slot ignores the
 * steps of an instance that is no longer current, so a late instance cannot answer, count or
 * lose a request that its successor now owns.
 */
final class DriverHost implements Program {
    /**
     * A request waiting in the channel, with the future its caller waits on; {@code replays} counts
     * the instances it was replayed to after being in flight at a fault.
     */
    record Pending(DriverRequest request, CompletableFuture<DriverResponse> reply, int replays) {
        Pending(DriverRequest request, CompletableFuture<DriverResponse> reply) {
            this(request, reply, 0);
        }

        Pending replayed() {
            return new Pending(request, reply, replays + 1);
        }
    }

    /** Exit code of a driver process that faulted. */
    static final int EXIT_FAULT = 3;
    /** Exit code of a driver whose first {@code init} failed: it is not restarted. */
    static final int EXIT_INIT_FAILED = 2;
    private static final Duration POLL = Duration.ofMillis(100);

    private final String name;
    private final KoshDriver driver;
    private final MpscChannel<Pending> requests;
    private final DriverManager.Slot slot;

    DriverHost(String name, KoshDriver driver, MpscChannel<Pending> requests, DriverManager.Slot slot) {
        this.name = name;
        this.driver = driver;
        this.requests = requests;
        this.slot = slot;
    }

    @Override
    public int main(ProcessContext ctx) {
        int pid = ctx.pid();
        Optional<DriverError> failed;
        try {
            failed = driver.init(slot.context);
        } catch (RuntimeException e) {
            failed = Optional.of(new DriverError(DriverError.Code.FAULT, "init threw " + e));
        }
        if (failed.isPresent()) {
            // The first start reports the failure to whoever started the driver; a restart's
            // failing init is one more fault, and supervision decides about the next instance.
            return slot.initFailed(pid, failed.get()) ? EXIT_FAULT : EXIT_INIT_FAILED;
        }
        slot.ready(driver.getCapabilities());
        int code = EXIT_FAULT;
        try {
            code = serve(ctx, pid);
        } finally {
            try {
                driver.cleanup();
            } catch (RuntimeException e) {
                slot.cleanupFailed(pid, e);
                code = EXIT_FAULT;
            }
        }
        return code;
    }

    /**
     * Polls the channel for up to {@link AnswerWait#RECEIVE_POLL_NANOS}: a caller that just had its
     * answer usually sends its next request within a few microseconds, and catching it here saves
     * waking this process. Only while the machine has a CPU to spare ({@link AnswerWait}).
     */
    private Pending pollBriefly() {
        long until = System.nanoTime() + AnswerWait.RECEIVE_POLL_NANOS;
        do {
            Pending p = requests.poll();
            if (p != null) return p;
            Thread.onSpinWait();
        } while (System.nanoTime() - until < 0);
        return null;
    }

    private int serve(ProcessContext ctx, int pid) {
        while (!ctx.terminationRequested()) {
            Pending p = slot.nextReplay();
            if (p == null && AnswerWait.mayPoll()) p = pollBriefly();
            if (p == null) p = requests.receive(POLL);
            if (p == null) continue;
            if (p.reply().isDone()) continue; // its caller gave up (TIMEOUT) before it was dispatched
            if (ctx.terminationRequested() || !slot.begin(pid, p)) {
                slot.requeue(p); // this instance is ending: the next one (or the manager's close) answers it
                break;
            }
            DriverResponse response;
            try {
                response = driver.handleRequest(p.request());
            } catch (Killed k) {
                throw k; // the kernel is unwinding this instance: not the driver's fault to report
            } catch (RuntimeException | Error e) {
                // An Error too (a stack overflow, say): the process would crash anyway, and this
                // way its crash dump says where.
                slot.faulted(pid, e.toString(), e);
                return EXIT_FAULT; // the request stays in flight: the manager answers or replays it
            }
            String malformed = ResponseCheck.malformed(response);
            if (malformed != null) {
                slot.faulted(pid, name + " answered '" + p.request().operation() + "' with a malformed response: " + malformed, null);
                return EXIT_FAULT;
            }
            if (!slot.served(pid, p, response)) return EXIT_FAULT; // killed meanwhile: the manager has taken the request over
        }
        return 0;
    }
}
