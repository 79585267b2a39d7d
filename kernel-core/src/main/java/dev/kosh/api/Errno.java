package dev.kosh.api;

/** Every way a system call can fail. Each constant's comment is the message a user sees. */
public enum Errno {
    /** An argument is out of range, null or malformed. */
    INVALID_ARGUMENT,
    /** The caller does not hold the capability the call needs. */
    NO_CAPABILITY,
    /** No process has that id. */
    NO_SUCH_PROCESS,
    /** The process is not a child of the caller. */
    NOT_A_CHILD,
    /** No program of that name is installed, or it has no Kosh-Main. */
    NO_SUCH_PROGRAM,
    /** A per-process limit (threads, children, handles) would be exceeded. */
    QUOTA_EXCEEDED,
    /** The deadline passed before the operation completed. */
    TIMEOUT,
    /** The object was closed, or the calling process is terminating. */
    CLOSED
}
