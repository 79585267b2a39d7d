package dev.kosh.hal;

/** Whether a {@link Mechanism} is usable on this host, and why not when it is not. */
public sealed interface Availability {

    /** Usable; {@code detail} says what was found (device node, sizes, counts). */
    record Present(String detail) implements Availability {}

    /** Not usable; {@code reason} says what is missing or what the host refused. */
    record Absent(String reason) implements Availability {}

    default boolean isPresent() {
        return this instanceof Present;
    }
}
