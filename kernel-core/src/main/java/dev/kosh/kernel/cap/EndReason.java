package dev.kosh.kernel.cap;

import dev.kosh.api.Errno;

/** Why a capability ended; a later use of its handle is answered with the matching error. */
public enum EndReason {
    /** Its holder deleted it. */
    DELETED(Errno.INVALID_HANDLE, "was deleted"),
    /** Its holder moved it to another process in a message. */
    MOVED(Errno.INVALID_HANDLE, "was moved away"),
    /** A capability it was derived from was revoked. */
    REVOKED(Errno.REVOKED, "was revoked"),
    /** The kernel destroyed its object (a reply capability whose caller gave up or exited). */
    OBJECT_DESTROYED(Errno.DEAD_PEER, "names an object that is gone"),
    /** Its holder exited. */
    OWNER_EXITED(Errno.INVALID_HANDLE, "belonged to an exited process"),
    /** It was in a message that was never received. */
    UNDELIVERED(Errno.INVALID_HANDLE, "was in a message that was never received");

    private final Errno errno;
    private final String text;

    EndReason(Errno errno, String text) {
        this.errno = errno;
        this.text = text;
    }

    /** The error a use of an ended handle answers. */
    public Errno errno() {
        return errno;
    }

    public String text() {
        return text;
    }
}
