package dev.kosh.api;

/** What a message is, as in the design: the kernel passes it on, receivers may dispatch on it. */
public enum MessageType {
    SYSTEM_CALL, DRIVER_REQUEST, SERVICE_REQUEST, SIGNAL
}
