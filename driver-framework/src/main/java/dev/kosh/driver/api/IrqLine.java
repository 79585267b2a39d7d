package dev.kosh.driver.api;

import java.time.Duration;

/** One interrupt line granted to a driver. */
public interface IrqLine {

    /** The line's number, as the platform enumerated it (for messages). */
    int number();

    /**
     * Waits up to {@code timeout} for the line to be raised; the number of times it was raised
     * since the last call (0 if it was not within the timeout). A wait ends early when the
     * driver's process is told to stop (its thread is interrupted).
     */
    long await(Duration timeout) throws InterruptedException;
}
