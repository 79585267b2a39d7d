package dev.kosh.hal;

/**
 * The root of a software page-table hierarchy, as the memory module exposes it to the
 * HAL. The HAL does not walk or change the tables; it validates the root against what
 * the architecture supports and records it as the active one (the software CR3 / TTBR0).
 */
public interface PageTableRoot {

    /** Physical address of the top-level table in Kosh's frame arena; 4 KiB aligned. */
    long rootFrameAddress();

    /** Number of translation levels (x86-64: 4 or 5; arm64 with 4 KiB granules: 3 or 4). */
    int levels();

    /** The address-space id (PCID / ASID) tagging this hierarchy's translations. */
    int addressSpaceId();
}
