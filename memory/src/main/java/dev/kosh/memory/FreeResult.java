package dev.kosh.memory;

/**
 * How returning a block to the allocator ended. Every case other than {@link Freed} left
 * the allocator unchanged: a bad free is reported, never half-done.
 */
public sealed interface FreeResult {

    /** The block is free again (and merged with its free buddies). */
    record Freed(long physicalAddress, int order) implements FreeResult {}

    /** The block (or the block holding this frame) is already free. */
    record DoubleFree(long physicalAddress, int order) implements FreeResult {}

    /** The block was allocated with {@code allocatedOrder}, not {@code givenOrder}. */
    record WrongOrder(long physicalAddress, int givenOrder, int allocatedOrder) implements FreeResult {}

    /** The address is not inside the arena ({@code arenaBytes} long). */
    record OutsideArena(long physicalAddress, long arenaBytes) implements FreeResult {}

    /** The address is not the start of a 4 KiB frame. */
    record Unaligned(long physicalAddress) implements FreeResult {}

    /** The address is inside an allocated block that starts at {@code blockAddress}, not at its start. */
    record InteriorFrame(long physicalAddress, long blockAddress, int blockOrder) implements FreeResult {}

    /** The frame is reserved by the boot memory map and was never handed out. */
    record ReservedFrame(long physicalAddress) implements FreeResult {}

    /** {@code order} is outside {@code 0..maxOrder}. */
    record InvalidOrder(int order, int maxOrder) implements FreeResult {}
}
