package dev.kosh.driver;

import java.time.Instant;
import java.util.List;

/**
 * What the driver manager records when a driver faults: when, what (the throwable's summary or
 * the reason), the request in flight, the last requests the instance served, and its counters.
 * Kept per driver (the last one) for {@code crashdump NAME}, and journaled.
 */
public record CrashDump(String driver, int pid, Instant time, String cause, String inFlight, List<String> lastRequests,
                        long requestsServed, int restartsSoFar) {
    public CrashDump {
        lastRequests = List.copyOf(lastRequests);
    }

    /** The multi-line form the shell prints. */
    public String format() {
        return "driver " + driver + " (pid " + pid + ") faulted at " + time + "\n"
                + "  cause:         " + cause + "\n"
                + "  in flight:     " + inFlight + "\n"
                + "  last requests: " + lastRequests + "\n"
                + "  served:        " + requestsServed + " requests; restarts before this one: " + restartsSoFar;
    }

    /** The one-line form the journal keeps. */
    public String line() {
        return "crash dump: cause " + cause + "; in flight " + inFlight + "; last requests " + lastRequests
                + "; served " + requestsServed;
    }
}
