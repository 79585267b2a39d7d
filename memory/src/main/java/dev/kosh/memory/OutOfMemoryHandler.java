package dev.kosh.memory;

/**
 * The out-of-memory policy's hand on processes: told when the whole system is out of frames and
 * swap (a fault found no free frame, nothing could be swapped out, and no space could give one
 * back), with the largest space (resident + swapped pages) as the victim.
 *
 * <p>Called with the virtual memory's lock held, from the faulting thread: it must not block or
 * call back into the virtual memory; it records the decision and arranges the kill elsewhere.
 */
@FunctionalInterface
public interface OutOfMemoryHandler {

    /**
     * The system is out of memory and {@code victim} is the largest space.
     *
     * @return true if its owner is being killed: the virtual memory then closes the victim's
     *         space at once (its frames and swap slots go back) and retries the fault; false
     *         leaves it alone and the fault fails with {@link SignalReason#OUT_OF_MEMORY}
     */
    boolean outOfMemory(OutOfMemoryVictim victim);
}
