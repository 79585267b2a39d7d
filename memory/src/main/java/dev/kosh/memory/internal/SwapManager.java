package dev.kosh.memory.internal;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import dev.kosh.memory.SwapBackend;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The swap device (a file of 4 KiB slots on a {@link SwapDevice}: FileChannel or io_uring) with
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

    private final SwapDevice device;
    private final int[] slotRefs;
    private final Map<Long, Integer> cache = new HashMap<>();
    private int used;
    private int hint;

    private SwapManager(SwapDevice device, int slots) {
        this.device = device;
        this.slotRefs = new int[slots];
    }

    /** Creates (or truncates) the swap file with FileChannel I/O; it is deleted when the manager closes. */
    public static SwapManager open(Path file, int slots) throws IOException {
        return open(file, slots, SwapBackend.FILE_CHANNEL);
    }

    /**
     * Creates (or truncates) the swap file on {@code backend}; it is deleted when the manager
     * closes. AUTO falls back from io_uring to FileChannel, and says why in {@link #describe()}.
     */
    public static SwapManager open(Path file, int slots, SwapBackend backend) throws IOException {
        SwapDevice device = switch (backend) {
            case FILE_CHANNEL -> FileChannelSwapDevice.open(file, null);
            case IO_URING -> IoUringSwapDevice.open(file);
            case AUTO -> {
                try {
                    yield IoUringSwapDevice.open(file);
                } catch (IOException noRing) {
                    yield FileChannelSwapDevice.open(file, "no io_uring: " + noRing.getMessage());
                }
            }
        };
        return new SwapManager(device, slots);
    }

    /** The device's mechanism and file, for the journal. */
    public String describe() {
        return device.describe();
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
        device.write(slot, page);
    }

    /** Writes {@code pages[i]} to {@code slots[i]} for i below {@code count}, together (one io_uring submission). */
    void writeBatch(int[] slots, MemorySegment[] pages, int count) throws IOException {
        device.writeBatch(slots, pages, count);
    }

    void read(int slot, MemorySegment page) throws IOException {
        device.read(slot, page);
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
        device.close();
    }
}
