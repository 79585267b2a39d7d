package dev.kosh.memory;

import java.lang.foreign.MemorySegment;

/**
 * A bounded window onto bytes of the owning process's own mapped memory: {@link #segment()}
 * covers exactly the range asked for (never the neighbouring frames) and is read-only unless a
 * write view was asked for in a writable region.
 *
 * <p>While a view is open its page stays where it is: it is not swapped out and compaction does
 * not move it. The kernel closes the view itself when the mapping under it changes (unmap,
 * protect, copy-on-write sharing or breaking, the space closing): an access through the segment
 * after that throws {@link IllegalStateException} in the caller, it never reaches a frame the
 * page no longer owns.
 *
 * <p>Thread safety: {@code segment()} may be used from any thread while the view is open.
 */
public interface MemoryView extends AutoCloseable {

    /** The virtual address the segment starts at. */
    long virtualAddress();

    /** The bytes; their lifetime ends when the view is closed (by the caller or by the kernel). */
    MemorySegment segment();

    /** Whether the view is still open. */
    boolean isOpen();

    /** Closes the view. Idempotent. */
    @Override
    void close();
}
