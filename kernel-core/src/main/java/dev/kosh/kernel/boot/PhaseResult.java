package dev.kosh.kernel.boot;

import java.time.Duration;
import java.util.Locale;

/** How one phase went: {@code detail} is its summary when it succeeded and the reason when it failed. */
public record PhaseResult(String phase, boolean ok, boolean essential, Duration time, String detail) {

    /** The boot line: {@code [  OK  ] ipc              0.8 ms  detail}. */
    public String line() {
        String status = ok ? "[  OK  ]" : "[FAILED]";
        String ms = String.format(Locale.ROOT, "%.1f ms", time.toNanos() / 1e6);
        return String.format("%s %-14s %9s%s", status, phase, ms, detail == null || detail.isEmpty() ? "" : "  " + detail);
    }
}
