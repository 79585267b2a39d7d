package dev.kosh.memory;

/**
 * What the page tables say about one mapped page, read without the TLB and without
 * setting accessed or dirty bits (for {@code pmap}, swap and tests).
 *
 * @param virtualAddress  the first byte of the page
 * @param physicalAddress the first byte of the frame(s) it maps
 * @param size            4 KiB or 2 MiB
 * @param protection      the rights of the leaf entry
 * @param accessed        the A bit: the page was used since it was last cleared
 * @param dirty           the D bit: the page was written since it was last cleared
 * @param owned           the space owns the frame and frees it on unmap (anonymous memory)
 */
public record PageMapping(long virtualAddress, long physicalAddress, PageSize size, Protection protection,
                          boolean accessed, boolean dirty, boolean owned) {}
