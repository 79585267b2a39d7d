package dev.kosh.memory;

/**
 * How a range system call on a {@link VirtualAddressSpace} ended ({@code map}, {@code unmap},
 * {@code protect}, {@code brk}). Every {@link Refused} left the space unchanged.
 */
public sealed interface RangeResult {

    /** Why a call was refused; what the system-call layer turns into an errno. */
    enum Refusal {
        /** An address or length is not a multiple of 4 KiB, or a length is not positive. */
        UNALIGNED,
        /** The range leaves the canonical user half, or its end overflows. */
        OUT_OF_RANGE,
        /** No free range of that size is left (map), or the heap would run into another region (brk). */
        NO_SPACE,
        /** Part of the range is not mapped (protect). */
        NOT_MAPPED,
        /** An argument is of a kind the call does not take (an execute view). */
        INVALID
    }

    /**
     * The call took effect on {@code [start, start + length)}: for {@code map} the range it
     * mapped, for {@code brk} the heap from its base to the new break.
     */
    record Done(long start, long length) implements RangeResult {}

    /** Nothing changed; {@code message} says what was wrong with which argument. */
    record Refused(Refusal reason, String message) implements RangeResult {}
}
