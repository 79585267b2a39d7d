package dev.kosh.memory;

/** What a region of a {@link VirtualAddressSpace} is for; it decides where ASLR places it and whether a guard page sits below it. */
public enum RegionKind {
    /** The process heap, grown {@code brk}-style from the randomised heap base. */
    HEAP,
    /** A stack: grows down, with a guard page below it whose touch is a signal. */
    STACK,
    /** Anonymous memory placed top-down from the randomised mmap base. */
    ANONYMOUS
}
