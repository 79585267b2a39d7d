package dev.kosh.memory.internal;

import dev.kosh.memory.Protection;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The x86-64 paging layout (Intel SDM vol. 3A, 4.5, 4-level paging).
 *
 * <pre>
 * virtual address (48 bits, sign-extended to 64):
 *   63      48 47    39 38    30 29    21 20    12 11         0
 *   [ sign    | PML4   | PDPT   | PD     | PT     | offset     ]
 *
 * table: one 4 KiB frame, 512 little-endian 64-bit entries, entry i at byte 8*i
 *
 * entry:
 *   bit 0  P    present                 bit 7   PS   page size (2 MiB leaf in a PD entry)
 *   bit 1  RW   writable                bit 9   OWNED (software, one of the AVL bits 9..11):
 *   bit 2  US   user                            the space frees the frame on unmap
 *   bit 5  A    accessed                bits 12..51  physical address of a table or 4 KiB page
 *   bit 6  D    dirty (leaves only)     bits 21..51  physical address of a 2 MiB page
 *   bit 63 NX   no execute
 * </pre>
 *
 * Intermediate entries are written P|RW|US without NX, so the rights of a page are those of
 * its leaf; the walker still combines all levels as the hardware does (RW and US are ANDed,
 * NX is ORed), so a restrictive intermediate entry restricts everything below it.
 */
public final class PageTableEntryDescriptor {

    /** Bit 0: present. */
    public static final long PRESENT = 1L;
    /** Bit 1: writable. */
    public static final long WRITABLE = 1L << 1;
    /** Bit 2: user-accessible. */
    public static final long USER = 1L << 2;
    /** Bit 5: accessed, set by the MMU on use. */
    public static final long ACCESSED = 1L << 5;
    /** Bit 6: dirty, set by the MMU on a write through a leaf. */
    public static final long DIRTY = 1L << 6;
    /** Bit 7: page size; in a page-directory entry, a 2 MiB leaf. */
    public static final long PAGE_SIZE = 1L << 7;
    /** Bit 9, available to software: the address space owns (and frees) the frame. */
    public static final long OWNED = 1L << 9;
    /** Bit 63: no execute. */
    public static final long NO_EXECUTE = 1L << 63;

    /** Bits 12..51: the physical address of a 4 KiB page or of the next table. */
    public static final long ADDRESS_MASK = 0x000F_FFFF_FFFF_F000L;
    /** Bits 21..51: the physical address of a 2 MiB page. */
    public static final long LARGE_ADDRESS_MASK = 0x000F_FFFF_FFE0_0000L;

    /** The rights bits {@link #protectionBits} sets and {@link #protectionOf} reads. */
    public static final long PROTECTION_MASK = WRITABLE | USER | NO_EXECUTE;
    /** What a new intermediate entry carries besides the table address: nothing restricted. */
    public static final long TABLE_FLAGS = PRESENT | WRITABLE | USER;

    /** Entries per table. */
    public static final int ENTRIES = 512;
    /** Bytes per entry. */
    public static final int ENTRY_BYTES = 8;
    /** Levels: 4 = PML4, 3 = PDPT, 2 = PD, 1 = PT. */
    public static final int LEVELS = 4;

    /** Entries are little-endian 64-bit words, 8-aligned inside a 4 KiB-aligned table. */
    public static final ValueLayout.OfLong ENTRY = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);

    private PageTableEntryDescriptor() {}

    /** The entry index of {@code virtualAddress} in a table of {@code level}. */
    public static int index(long virtualAddress, int level) {
        return (int) (virtualAddress >>> (12 + 9 * (level - 1))) & (ENTRIES - 1);
    }

    /** Whether bits 48..63 are copies of bit 47. */
    public static boolean canonical(long virtualAddress) {
        return (virtualAddress << 16) >> 16 == virtualAddress;
    }

    /** The entry bits for a protection. */
    public static long protectionBits(Protection protection) {
        long bits = 0;
        if (protection.writable()) {
            bits |= WRITABLE;
        }
        if (protection.user()) {
            bits |= USER;
        }
        if (!protection.executable()) {
            bits |= NO_EXECUTE;
        }
        return bits;
    }

    /** The protection a leaf entry grants. */
    public static Protection protectionOf(long entry) {
        return new Protection((entry & WRITABLE) != 0, (entry & NO_EXECUTE) == 0, (entry & USER) != 0);
    }

    /** Whether the entry is present. */
    public static boolean present(long entry) {
        return (entry & PRESENT) != 0;
    }
}
