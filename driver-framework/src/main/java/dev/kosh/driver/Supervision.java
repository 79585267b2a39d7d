package dev.kosh.driver;

import java.time.Duration;

/**
 * How the driver manager supervises a driver, after MINIX 3's reincarnation server and OTP's
 * restart intensity: a driver that faults (throws, returns no response, hangs past its caller's
 * deadline, or whose process dies) is restarted, at most {@code maxRestarts} times within
 * {@code window}; past that it is marked failed.
 */
public record Supervision(int maxRestarts, Duration window) {
    /** The default: 5 restarts in 60 s. */
    public static final Supervision DEFAULT = new Supervision(5, Duration.ofSeconds(60));
    /** Never restart: the first fault marks the driver failed. */
    public static final Supervision NONE = new Supervision(0, Duration.ofSeconds(1));

    public Supervision {
        if (maxRestarts < 0 || window == null || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("a supervision needs maxRestarts >= 0 and a positive window");
        }
    }
}
