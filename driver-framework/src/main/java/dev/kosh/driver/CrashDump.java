package dev.kosh.driver;

import java.time.Instant;
import java.util.List;

/**
 * What the driver manager records when a driver faults: when, what (the throwable's summary or
 * the reason), the request in flight, the last requests the instance served, its counters, and
 * the driver's stack — where the throwable came from, or where a hung instance was when it was
 * killed (empty when there is none to tell: a malformed answer, a kill from outside). Kept per
 * driver (the last one) for {@code crashdump NAME}, and journaled.
 */
public record CrashDump(String driver, int pid, Instant time, String cause, String inFlight, List<String> lastRequests,
                        long requestsServed, int restartsSoFar, List<String> stack) {
    /** Frames a dump keeps, innermost first. */
    static final int STACK_FRAMES = 12;

    public CrashDump {
        lastRequests = List.copyOf(lastRequests);
        stack = List.copyOf(stack);
    }

    /** The innermost frames of {@code frames}, as {@code class.method(File:line)}. */
    static List<String> frames(StackTraceElement[] frames) {
        return java.util.Arrays.stream(frames).limit(STACK_FRAMES).map(StackTraceElement::toString).toList();
    }

    /** The multi-line form the shell prints. */
    public String format() {
        return "driver " + driver + " (pid " + pid + ") faulted at " + time + "\n"
                + "  cause:         " + cause + "\n"
                + "  in flight:     " + inFlight + "\n"
                + "  last requests: " + lastRequests + "\n"
                + "  served:        " + requestsServed + " requests; restarts before this one: " + restartsSoFar
                + (stack.isEmpty() ? "" : "\n  stack:\n    at " + String.join("\n    at ", stack));
    }

    /** The one-line form the journal keeps. */
    public String line() {
        return "crash dump: cause " + cause + "; in flight " + inFlight + "; last requests " + lastRequests
                + "; served " + requestsServed + (stack.isEmpty() ? "" : "; at " + stack.getFirst());
    }
}
