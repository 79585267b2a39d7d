package dev.kosh.api;

/**
 * How a process ended: its exit code and why. Codes follow the Unix convention: 0 success, 1 an
 * uncaught exception, 128 + n killed by signal n.
 */
public record ExitStatus(int code, String reason) {
    public ExitStatus {
        if (reason == null) throw new IllegalArgumentException("reason is required");
    }

    public static ExitStatus exited(int code) {
        return new ExitStatus(code, "exited with " + code);
    }

    public static ExitStatus killed(Signal signal) {
        return new ExitStatus(128 + signal.number(), "killed by " + signal);
    }

    public boolean success() {
        return code == 0;
    }
}
