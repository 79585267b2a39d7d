package dev.kosh.driver;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import dev.kosh.api.ProcessContext;
import dev.kosh.api.Program;
import dev.kosh.driver.api.ConcurrentDriver;
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
            code = driver instanceof ConcurrentDriver concurrent ? serveConcurrently(ctx, pid, concurrent) : serve(ctx, pid);
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

    /**
     * The next request for instance {@code pid}: a replayed one first, then the channel. Null when
     * none came within {@link #POLL}, or when this instance is no longer the current one (its
     * successor owns the channel; {@link #serve} then ends). The channel is read under the slot's
     * consumer lock, after checking that this instance is still current, so that a killed
     * instance still unwinding never reads it beside its successor.
     */
    private Pending take(int pid) {
        Pending p = slot.nextReplay();
        if (p != null) return p;
        slot.consumer.lock();
        try {
            if (!slot.current(pid)) return null;
            if (AnswerWait.mayPoll()) p = pollBriefly();
            return p != null ? p : requests.receive(POLL);
        } finally {
            slot.consumer.unlock();
        }
    }

    /** Like {@link #take}, without waiting: what is already there, or null. */
    private Pending takeNow(int pid) {
        Pending p = slot.nextReplay();
        if (p != null) return p;
        slot.consumer.lock();
        try {
            return slot.current(pid) ? requests.poll() : null;
        } finally {
            slot.consumer.unlock();
        }
    }

    /**
     * Whether this instance is asked to end, asked with {@code p} taken but not begun. The question
     * is a preemption point: a kill that lands there (the deadline watchdog's, say, decided on the
     * request before {@code p} just as it was answered) unwinds from it, and {@code p} — in neither
     * the channel nor the slot — would be lost; it goes back first in line for the next instance.
     */
    private boolean ending(ProcessContext ctx, Pending p) {
        try {
            return ctx.terminationRequested();
        } catch (Throwable unwinding) {
            slot.requeue(p);
            throw unwinding;
        }
    }

    private int serve(ProcessContext ctx, int pid) {
        while (!ctx.terminationRequested()) {
            Pending p = take(pid);
            if (p == null) {
                if (!slot.current(pid)) break; // replaced: the successor serves the channel
                continue;
            }
            if (p.reply().isDone()) continue; // its caller gave up (TIMEOUT) before it was dispatched
            if (ending(ctx, p) || !slot.begin(pid, p)) {
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

    /**
     * Serves a {@link ConcurrentDriver}: hands it every request waiting (up to its limit) before
     * asking it to progress, so a block driver has them all on its device; waits on the channel
     * only while nothing is in flight. Each request is begun (journaled, under the
     * deadline) as it is handed over and served as its answer comes. On TERM the requests in
     * flight are finished before cleanup; nothing new is taken.
     */
    private int serveConcurrently(ProcessContext ctx, int pid, ConcurrentDriver d) {
        int max = Math.max(1, d.maxInFlight());
        Answers answers = new Answers(Thread.currentThread());
        int inFlight = 0;
        while (true) {
            boolean ending = ctx.terminationRequested();
            while (!ending && inFlight < max) {
                Pending p = inFlight == 0 ? take(pid) : takeNow(pid);
                if (p == null) {
                    if (!slot.current(pid)) ending = true; // replaced: the successor serves the channel
                    break;
                }
                if (p.reply().isDone()) continue; // its caller gave up before it was dispatched
                if (ending(ctx, p) || !slot.begin(pid, p)) {
                    slot.requeue(p);
                    ending = true;
                    break;
                }
                inFlight++;
                try {
                    d.submit(p.request(), answers.replyTo(p));
                } catch (Killed k) {
                    throw k;
                } catch (RuntimeException | Error e) {
                    slot.faulted(pid, e.toString(), e);
                    return EXIT_FAULT; // every request in flight stays so: the manager replays or answers them
                }
                int served = settle(answers, pid);
                if (served < 0) return EXIT_FAULT;
                inFlight -= served;
            }
            if (inFlight == 0) {
                if (ending) return 0;
                continue;
            }
            try {
                d.progress(true);
            } catch (Killed k) {
                throw k;
            } catch (RuntimeException | Error e) {
                slot.faulted(pid, e.toString(), e);
                return EXIT_FAULT;
            }
            int served = settle(answers, pid);
            if (served < 0) return EXIT_FAULT;
            inFlight -= served;
        }
    }

    /**
     * Serves the answers the driver gave since the last settle: how many, or -1 after a fault (an
     * answer was malformed, given twice, or given from another thread).
     */
    private int settle(Answers answers, int pid) {
        if (answers.stranger != null) {
            slot.faulted(pid, name + " answered a request from thread " + answers.stranger + ", not from its driver thread", null);
            return -1;
        }
        int served = 0;
        Answer a;
        while ((a = answers.given.pollFirst()) != null) {
            String operation = a.pending().request().operation();
            String malformed = ResponseCheck.malformed(a.response());
            if (a.reply().twice || malformed != null) {
                slot.faulted(pid, name + (a.reply().twice ? " answered '" + operation + "' twice"
                        : " answered '" + operation + "' with a malformed response: " + malformed), null);
                return -1;
            }
            if (!slot.served(pid, a.pending(), a.response())) return -1; // killed meanwhile: the manager has the rest
            served++;
        }
        return served;
    }

    private record Answer(Pending pending, HostReply reply, DriverResponse response) {}

    /** The answers a concurrent driver gave, in order, collected on the driver's thread. */
    private static final class Answers {
        final Thread owner;
        final ArrayDeque<Answer> given = new ArrayDeque<>();
        /** The thread that answered although it is not the driver's: a fault, reported at the next settle. */
        volatile String stranger;

        Answers(Thread owner) {
            this.owner = owner;
        }

        HostReply replyTo(Pending p) {
            return new HostReply(this, p);
        }
    }

    /** One request's reply: the first answer is kept; a second one marks a fault. */
    private static final class HostReply implements ConcurrentDriver.Reply {
        private final Answers answers;
        private final Pending pending;
        private boolean answered;
        boolean twice;

        HostReply(Answers answers, Pending pending) {
            this.answers = answers;
            this.pending = pending;
        }

        @Override
        public void answer(DriverResponse response) {
            if (Thread.currentThread() != answers.owner) {
                answers.stranger = Thread.currentThread().getName();
                throw new IllegalStateException("a driver answers on its own thread, during submit or progress");
            }
            twice = answered; // kept and served in order; settle faults the instance on a second one
            answered = true;
            answers.given.addLast(new Answer(pending, this, response));
        }
    }
}
