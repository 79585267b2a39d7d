package dev.kosh.kernel.process;

import java.util.Locale;

/** Why a process is not running. */
public enum BlockReason {
    /** In {@code ProcessContext.sleep}. */
    SLEEP,
    /** Waiting for a child to exit. */
    WAIT_CHILD,
    /** Waiting on a monitor, condition or park outside a kernel call. */
    WAIT,
    /** Contending for a monitor. */
    LOCK,
    /** Stopped by signal STOP until CONT. */
    STOPPED,
    /** Waiting for an IPC message or reply. */
    IPC;

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
