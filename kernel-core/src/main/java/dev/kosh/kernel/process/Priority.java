package dev.kosh.kernel.process;

import java.util.Locale;
import java.util.Optional;

/** Scheduling classes, most urgent first. The scheduler maps them to CPU permits and slices. */
public enum Priority {
    REALTIME, INTERACTIVE, NORMAL, BACKGROUND;

    public static Optional<Priority> parse(String text) {
        try {
            return Optional.of(valueOf(text.strip().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
