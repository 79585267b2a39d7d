package dev.kosh.kernel.config;

import java.time.Duration;

/**
 * When init restarts a service that ended, and how often it may: at most {@code maxRestarts} in
 * {@code window} (OTP's restart intensity); past that the service is marked failed.
 */
public record RestartPolicy(Mode mode, int maxRestarts, Duration window) {

    public enum Mode {
        /** Never restart. */
        NEVER,
        /** Restart when the service exits with a non-zero code or is killed by the kernel. */
        ON_FAILURE,
        /** Restart whenever it ends, unless the system is shutting down or it was stopped by a user. */
        ALWAYS
    }

    public static final RestartPolicy DEFAULT = new RestartPolicy(Mode.ON_FAILURE, 5, Duration.ofSeconds(60));

    public RestartPolicy {
        if (mode == null || window == null || maxRestarts < 0 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("invalid restart policy");
        }
    }

    public boolean restarts(int exitCode) {
        return switch (mode) {
            case NEVER -> false;
            case ON_FAILURE -> exitCode != 0;
            case ALWAYS -> true;
        };
    }
}
