package dev.kosh.api;

import java.util.Locale;
import java.util.Optional;

/** Signals the kernel delivers to processes, with their Unix numbers. */
public enum Signal {
    HUP(1), INT(2), KILL(9), TERM(15), CHLD(17), CONT(18), STOP(19),
    /**
     * A fault: a thread of the process ended with an uncaught throwable (other than the kill
     * unwind), or an unhandled memory {@link Errno#FAULT}. Raised by the kernel only (sending it
     * is INVALID_ARGUMENT); its bit is set on the notification bound with {@link Ipc#bindSignals}
     * and the journal records the fault. An unhandled memory fault ends the process with status
     * 139 ("killed by SEGV"); docs/processes.md. The number is Unix's {@code SIGSEGV}.
     */
    SEGV(11),
    /**
     * A quota's soft limit was passed (threads or allocation; docs/isolation.md). It does not end
     * the process: it tells it to shed load before the hard limit, where the kernel kills it. The
     * number is Unix's {@code SIGXCPU}, its resource-limit signal. Seen through a notification bound
     * with {@link Ipc#bindSignals}.
     */
    QUOTA(24);

    private final int number;

    Signal(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    /** Parses {@code 9}, {@code KILL} or {@code SIGKILL} (any case). */
    public static Optional<Signal> parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.startsWith("SIG")) t = t.substring(3);
        for (Signal s : values()) {
            if (s.name().equals(t) || Integer.toString(s.number).equals(t)) return Optional.of(s);
        }
        return Optional.empty();
    }

    /**
     * This signal's bit in a notification word ({@code 1L << number}): the kernel sets it on the
     * notification a process bound with {@link Ipc#bindSignals}.
     */
    public long bit() {
        return 1L << number;
    }

    /** True for the signals whose default action is to end the process. */
    public boolean terminates() {
        return this == HUP || this == INT || this == TERM || this == KILL;
    }
}
