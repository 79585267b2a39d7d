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
    CLOSED,
    /** The handle names no capability in the caller's table (never issued, deleted, or moved away). */
    INVALID_HANDLE,
    /** The handle names a capability to another kind of object than the call needs. */
    WRONG_TYPE,
    /** The capability lacks a right the call needs (its rights are listed in the message). */
    MISSING_RIGHT,
    /** A bounded queue is at capacity; nothing was taken (back-pressure, never a silent drop). */
    FULL,
    /** The other side is gone: the server of an endpoint, or the caller a reply was meant for. */
    DEAD_PEER,
    /** The capability was revoked, before or during the call. */
    REVOKED,
    /** A call with a zero timeout found nothing to take. */
    WOULD_BLOCK,
    /** The kernel service the call needs is not running. */
    UNAVAILABLE,
    /** A memory access faulted: an unmapped page, a stack's guard page, a read-only or no-execute page (SIGSEGV). */
    FAULT,
    /** The whole system is out of memory (frames and swap). */
    OUT_OF_MEMORY
}
