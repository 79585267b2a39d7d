package dev.kosh.memory;

/**
 * Why an access could not be resolved: what the process manager turns into a signal. Never a
 * kernel exception.
 */
public enum SignalReason {
    /** No region covers the address (SIGSEGV, SEGV_MAPERR). */
    UNMAPPED("SIGSEGV"),
    /** The address is in the guard page below a stack: a stack overflow (SIGSEGV, SEGV_MAPERR). */
    GUARD_PAGE("SIGSEGV"),
    /** The region does not allow the access (SIGSEGV, SEGV_ACCERR). */
    PROTECTION("SIGSEGV"),
    /** An instruction fetch from a no-execute page (SIGSEGV, SEGV_ACCERR). */
    NO_EXECUTE("SIGSEGV"),
    /** A non-canonical address: #GP, delivered as SIGSEGV. */
    NON_CANONICAL("SIGSEGV"),
    /** No frame could be found for the page, even after reclaim (SIGBUS). */
    OUT_OF_MEMORY("SIGBUS"),
    /** The page would take the space past its frame quota (SIGBUS). */
    QUOTA_EXCEEDED("SIGBUS"),
    /** The swap device failed to give the page back (SIGBUS). */
    SWAP_IO_ERROR("SIGBUS");

    private final String signal;

    SignalReason(String signal) {
        this.signal = signal;
    }

    /** The POSIX signal the process gets. */
    public String signal() {
        return signal;
    }
}
