package dev.kosh.driver;

import java.time.Duration;

/**
 * How the driver manager supervises a driver, after MINIX 3's reincarnation server and OTP's
 * restart intensity: a driver that faults (throws, returns no or a malformed response, holds a
 * request past {@code deadline} or its caller's deadline, or whose process dies) is restarted, at
 * most {@code maxRestarts} times within {@code window}; past that it is marked failed.
 *
 * @param deadline how long the driver may hold one request before it is taken to hang and killed,
 *                 whatever its caller is willing to wait (a caller that gives up earlier also
 *                 ends a hang)
 */
public record Supervision(int maxRestarts, Duration window, Duration deadline) {
    /** A request held longer than this is a hang unless the driver's supervision says otherwise. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);
    /** The default: 5 restarts in 60 s. */
    public static final Supervision DEFAULT = new Supervision(5, Duration.ofSeconds(60));
    /** Never restart: the first fault marks the driver failed. */
    public static final Supervision NONE = new Supervision(0, Duration.ofSeconds(1));

    public Supervision {
        if (maxRestarts < 0 || window == null || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("a supervision needs maxRestarts >= 0 and a positive window");
        }
        if (deadline == null || deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("a supervision needs a positive request deadline");
        }
    }

    /** {@code maxRestarts} in {@code window}, with the default request deadline. */
    public Supervision(int maxRestarts, Duration window) {
        this(maxRestarts, window, DEFAULT_DEADLINE);
    }

    /** The same restart intensity with another request deadline. */
    public Supervision withDeadline(Duration d) {
        return new Supervision(maxRestarts, window, d);
    }
}
