package dev.kosh.driver.api;

/**
 * A driver that serves several requests at once, as a disk controller does: the host hands it
 * each request as it arrives ({@link #submit}), up to {@link #maxInFlight()} before their answers,
 * and calls {@link #progress} while any is in flight; the driver answers each through its
 * {@link Reply}, in any order. A block driver has the reads of every request it holds on its
 * device at once and answers each request as its completions come back, so the device's queue
 * stays full across requests instead of draining at the end of each.
 *
 * <p>Everything still happens on the driver process's one thread: {@code submit}, {@code progress}
 * and every {@link Reply#answer} are called there, so the driver needs no locking. Supervision is
 * per request: each one is journaled before {@code submit}, the deadline applies to the oldest one
 * in flight, and at a fault every request in flight is replayed to the next instance (idempotent
 * ones) or answered {@code RESTARTED}. A throw from {@code submit} or {@code progress}, a
 * malformed answer, or a second answer to the same request is a fault, as a throw from
 * {@link #handleRequest} is.
 *
 * <p>Requests in flight together are unordered, as on a device queue: a client that needs one to
 * take effect before another waits for the first one's answer.
 */
public interface ConcurrentDriver extends KoshDriver {

    /** The one-shot answer to a request handed to {@link #submit}. */
    interface Reply {
        /** Answers the request: on the driver's thread, during {@code submit} or {@code progress}, once. */
        void answer(DriverResponse response);
    }

    /** How many requests may be in flight at once (at least 1; the host reads it once per instance). */
    int maxInFlight();

    /** Starts serving {@code request}: answer it now, or from a later {@link #progress}. */
    void submit(DriverRequest request, Reply reply);

    /**
     * Moves the requests in flight on and answers those that are done. With {@code wait}, blocks
     * until at least one can be answered (the host calls it so when it has nothing new to hand
     * over); without, returns at once. Called only while requests are in flight.
     */
    void progress(boolean wait);

    /** One request on its own, for callers that are not the host: submitted, then progressed until answered. */
    @Override
    default DriverResponse handleRequest(DriverRequest request) {
        DriverResponse[] answer = new DriverResponse[1];
        boolean[] answered = new boolean[1];
        submit(request, response -> {
            if (answered[0]) throw new IllegalStateException("request '" + request.operation() + "' answered twice");
            answered[0] = true;
            answer[0] = response;
        });
        while (!answered[0]) progress(true);
        return answer[0];
    }
}
