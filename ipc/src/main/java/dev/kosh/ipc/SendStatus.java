package dev.kosh.ipc;

/** The result of a send: allocation-free, for the data plane. */
public enum SendStatus {
    /** The message is in the channel. */
    OK,
    /** The channel is at capacity; the message was not taken (back-pressure, never a silent drop). */
    FULL,
    /** The channel was closed; the message was not taken. */
    CLOSED,
    /** A blocking send gave up at its deadline; the message was not taken. */
    TIMEOUT
}
