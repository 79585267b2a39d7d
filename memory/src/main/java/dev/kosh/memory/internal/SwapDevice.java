package dev.kosh.memory.internal;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Where swapped pages live: 4 KiB slots of a file, read into and written from arena frames.
 * Called with the virtual memory's lock held, one operation at a time.
 */
interface SwapDevice extends AutoCloseable {

    /** Bytes per slot. */
    int SLOT_BYTES = 4096;

    /** Writes the page (a 4 KiB native segment) to {@code slot}. */
    void write(int slot, MemorySegment page) throws IOException;

    /** Writes {@code pages[i]} to {@code slots[i]} for i below {@code count}; throws if any write failed. */
    default void writeBatch(int[] slots, MemorySegment[] pages, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            write(slots[i], pages[i]);
        }
    }

    /** Reads {@code slot} into the page. */
    void read(int slot, MemorySegment page) throws IOException;

    /** One line for the journal: the mechanism and the file. */
    String describe();

    /** Closes and deletes the file. */
    @Override
    void close() throws IOException;
}
