package dev.kosh.api;

/** A failed system call turned into an exception by {@link SysResult#orThrow()} or a capability accessor. */
public final class KoshException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final Errno errno;

    public KoshException(Errno errno, String message) {
        super(errno + ": " + message);
        this.errno = errno;
    }

    public Errno errno() {
        return errno;
    }
}
