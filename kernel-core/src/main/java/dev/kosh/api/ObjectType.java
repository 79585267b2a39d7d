package dev.kosh.api;

/** The kinds of kernel object a capability may name. */
public enum ObjectType {
    /** A process: signal it (SIGNAL: kill, stop, continue...), wait for its exit (WAIT), read its status (READ). */
    PROCESS,
    /** A thread the kernel created for a process: join it (WAIT), read its status (READ). */
    THREAD,
    /** A synchronous call/reply rendezvous: CALL, RECEIVE. */
    ENDPOINT,
    /** The one-shot right to answer one call: REPLY. Made by the kernel on receive; never transferable. */
    REPLY,
    /** A bounded asynchronous message queue: SEND, RECEIVE. */
    CHANNEL,
    /** A word of asynchronous bits: SIGNAL, WAIT. */
    NOTIFICATION,
    /** Off-heap memory mapped into several processes: READ, WRITE. */
    SHARED_MEMORY
}
