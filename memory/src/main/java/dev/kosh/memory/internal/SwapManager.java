package dev.kosh.memory.internal;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * The swap device (a file of 4 KiB slots read and written with {@link FileChannel}) with
 * reference-counted slots and a swap cache.
 *
 * <p>A slot is referenced by every space that has the page swapped out there (a clone shares
 * its parent's slots) and by the swap cache. The swap cache remembers, for a frame read back
 * from a slot, that the slot still holds the same bytes: while the page stays clean (its dirty
 * bit clear), evicting it again costs no write. A write to the page (or a copy-on-write share
 * of a dirty page) drops the association.
 *
 * <p>Not thread-safe: the virtual memory's lock guards it.
 */
public final class SwapManager implements AutoCloseable {

    private static final int SLOT_BYTES = 4096;

    private final FileChannel channel;
    private final int[] slotRefs;
    private final Map<Long, Integer> cache = new HashMap<>();
    private int used;
    private int hint;

    private SwapManager(FileChannel channel, int slots) {
        this.channel = channel;
        this.slotRefs = new int[slots];
    }

    /** Creates (or truncates) the swap file; it is deleted when the manager closes. */
    public static SwapManager open(Path file, int slots) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.DELETE_ON_CLOSE);
        return new SwapManager(channel, slots);
    }

    /** Slots on the device. */
    public int slots() {
        return slotRefs.length;
    }

    /** Slots referenced by a space or the cache. */
    public int usedSlots() {
        return used;
    }

    /** A free slot with one reference, or -1 when the device is full. */
    int allocate() {
        for (int i = 0; i < slotRefs.length; i++) {
            int s = (hint + i) % slotRefs.length;
            if (slotRefs[s] == 0) {
                slotRefs[s] = 1;
                used++;
                hint = s + 1;
                return s;
            }
        }
        return -1;
    }

    void ref(int slot) {
        slotRefs[slot]++;
    }

    void unref(int slot) {
        if (--slotRefs[slot] == 0) {
            used--;
        } else if (slotRefs[slot] < 0) {
            throw new IllegalStateException("swap slot " + slot + " released more often than referenced");
        }
    }

    int refs(int slot) {
        return slotRefs[slot];
    }

    void write(int slot, MemorySegment page) throws IOException {
        ByteBuffer buffer = page.asByteBuffer();
        long position = (long) slot * SLOT_BYTES;
        while (buffer.hasRemaining()) {
            position += channel.write(buffer, position);
        }
    }

    void read(int slot, MemorySegment page) throws IOException {
        ByteBuffer buffer = page.asByteBuffer();
        long position = (long) slot * SLOT_BYTES;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position);
            if (n < 0) {
                throw new IOException("swap slot " + slot + " is past the end of the swap file");
            }
            position += n;
        }
    }

    /** The slot whose content the frame still equals, or -1. */
    int cachedSlot(long frame) {
        Integer slot = cache.get(frame);
        return slot == null ? -1 : slot;
    }

    /** Remembers that {@code frame} equals {@code slot}; takes over one reference the caller held. */
    void cache(long frame, int slot) {
        Integer old = cache.put(frame, slot);
        if (old != null) {
            unref(old);
        }
    }

    /** Forgets the frame's slot and drops the cache's reference. */
    void uncache(long frame) {
        Integer slot = cache.remove(frame);
        if (slot != null) {
            unref(slot);
        }
    }

    /** Forgets the frame's slot and hands the cache's reference to the caller; -1 if none. */
    int takeCached(long frame) {
        Integer slot = cache.remove(frame);
        return slot == null ? -1 : slot;
    }

    /** The frame moved (compaction): its association moves with it. */
    void moved(long from, long to) {
        Integer slot = cache.remove(from);
        if (slot != null) {
            cache.put(to, slot);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
