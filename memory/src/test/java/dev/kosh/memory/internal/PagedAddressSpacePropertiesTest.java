package dev.kosh.memory.internal;

import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.kosh.memory.AccessKind;
import dev.kosh.memory.CreateSpaceResult;
import dev.kosh.memory.MapResult;
import dev.kosh.memory.PageMapping;
import dev.kosh.memory.PageSize;
import dev.kosh.memory.PhysicalMemory;
import dev.kosh.memory.ProtectResult;
import dev.kosh.memory.Protection;
import dev.kosh.memory.Translation;
import dev.kosh.memory.UnmapResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.quicktheories.core.Gen;

/**
 * Random map/unmap/protect/translate sequences against a model: a HashMap from page address
 * to (frame, size, rights). Steps are integers decoded into operations, so failures shrink.
 * Every translate goes through the TLB, warmed by earlier steps, so a stale TLB entry after
 * an unmap or protect shows up as a disagreement with the model.
 */
@Timeout(value = 40, unit = TimeUnit.SECONDS)
class PagedAddressSpacePropertiesTest {

    /** 2 MiB regions spread over different PML4, PDPT and PD entries, both halves. */
    private static final long[] REGIONS = {
        0x0000_0000_0040_0000L, 0x0000_0000_0060_0000L, 0x0000_0000_4000_0000L,
        0x0000_0080_0000_0000L, 0x0000_7FFF_FFE0_0000L, 0xFFFF_8000_0000_0000L,
    };
    /** Small pages inside a region: its first, second, third and last. */
    private static final long[] PAGE_OFFSETS = {0, 0x1000, 0x2000, 0x1F_F000};

    private static final Gen<List<Integer>> STEPS =
            lists().of(integers().between(0, Integer.MAX_VALUE)).ofSizeBetween(1, 120);

    /**
     * Each example gets its own arena, closed even when the example fails, so a failing
     * example cannot starve the ones QuickTheories runs while shrinking it.
     */
    private static void withMemory(java.util.function.Consumer<PhysicalMemory> example) {
        PhysicalMemory memory = PhysicalMemory.create(16L << 20, 10,
                List.of(dev.kosh.memory.MemoryRange.reserved(0, 1 << 20)));
        try {
            example.accept(memory);
        } finally {
            memory.close();
        }
    }

    private record Page(long frame, PageSize size, Protection protection) {}

    private static PagedAddressSpace newSpace(PhysicalMemory memory) {
        return (PagedAddressSpace) ((CreateSpaceResult.Created) memory.newAddressSpace()).space();
    }

    /** The page of the model that covers {@code address}, with its address, or null. */
    private static Map.Entry<Long, Page> covering(Map<Long, Page> model, long address) {
        Page small = model.get(address & -4096L);
        if (small != null && small.size() == PageSize.SIZE_4K) {
            return Map.entry(address & -4096L, small);
        }
        long base = address & -(2L << 20);
        Page large = model.get(base);
        return large != null && large.size() == PageSize.SIZE_2M ? Map.entry(base, large) : null;
    }

    private static boolean anyInRegion(Map<Long, Page> model, long region) {
        for (long va : model.keySet()) {
            if ((va & -(2L << 20)) == region) {
                return true;
            }
        }
        return false;
    }

    private static Translation expected(Map<Long, Page> model, long address, AccessKind access, boolean user) {
        Map.Entry<Long, Page> hit = covering(model, address);
        if (hit == null) {
            return null; // NotPresent at some level: checked by type only
        }
        Protection p = hit.getValue().protection();
        if ((user && !p.user()) || (access == AccessKind.WRITE && !p.writable())) {
            return new Translation.ProtectionViolation(address, access, user);
        }
        if (access == AccessKind.EXECUTE && !p.executable()) {
            return new Translation.NoExecute(address, access, user);
        }
        return new Translation.Physical(address, hit.getValue().frame() + (address - hit.getKey()));
    }

    private static void checkTranslate(PagedAddressSpace space, Map<Long, Page> model, long address,
                                       AccessKind access, boolean user, String context) {
        Translation actual = space.translate(address, access, user);
        Translation want = expected(model, address, access, user);
        if (want == null) {
            check(actual instanceof Translation.NotPresent, "%s: translate(%x, %s, %s) = %s, expected NotPresent",
                    context, address, access, user, actual);
        } else {
            check(want.equals(actual), "%s: translate(%x, %s, %s) = %s, expected %s",
                    context, address, access, user, actual, want);
        }
    }

    @Test
    void randomMapUnmapProtectAgreeWithAMapModelAndCloseFreesEverything() {
        qt().withExamples(120).forAll(STEPS).checkAssert(steps -> withMemory(memory -> {
            long initialFree = memory.stats().freeFrames();
            PagedAddressSpace space = newSpace(memory);
            Map<Long, Page> model = new HashMap<>();
            int n = 0;
            for (int s : steps) {
                String context = "step " + n++ + " (" + s + ")";
                int op = s % 5;
                long region = REGIONS[(s / 5) % REGIONS.length];
                long va = region + PAGE_OFFSETS[(s / 30) % PAGE_OFFSETS.length];
                int bits = (s / 120) % 8;
                Protection prot = new Protection((bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0);
                AccessKind access = AccessKind.values()[(s / 960) % 3];
                boolean user = (s / 2880) % 2 == 1;
                switch (op) {
                    case 0 -> {
                        MapResult r = space.mapAnonymous(va, PageSize.SIZE_4K, prot);
                        boolean conflict = covering(model, va) != null;
                        if (conflict) {
                            check(r.equals(new MapResult.AlreadyMapped(va)), "%s: map4k %x gave %s", context, va, r);
                        } else if (r instanceof MapResult.Mapped m) {
                            model.put(va, new Page(m.physicalAddress(), PageSize.SIZE_4K, prot));
                        } else {
                            check(r instanceof MapResult.OutOfMemory, "%s: map4k %x gave %s", context, va, r);
                        }
                    }
                    case 1 -> {
                        MapResult r = space.mapAnonymous(va, PageSize.SIZE_2M, prot);
                        if (va != region) {
                            check(r.equals(new MapResult.Unaligned(va, PageSize.SIZE_2M)), "%s: map2m %x gave %s", context, va, r);
                        } else if (anyInRegion(model, region)) {
                            check(r.equals(new MapResult.AlreadyMapped(va)), "%s: map2m %x gave %s", context, va, r);
                        } else if (r instanceof MapResult.Mapped m) {
                            model.put(va, new Page(m.physicalAddress(), PageSize.SIZE_2M, prot));
                        } else {
                            check(r instanceof MapResult.OutOfMemory, "%s: map2m %x gave %s", context, va, r);
                        }
                    }
                    case 2 -> {
                        UnmapResult r = space.unmap(va);
                        Map.Entry<Long, Page> hit = covering(model, va);
                        UnmapResult want = hit == null ? new UnmapResult.NotMapped(va)
                                : hit.getKey() != va ? new UnmapResult.Unaligned(va, hit.getValue().size())
                                : new UnmapResult.Unmapped(va, hit.getValue().frame(), hit.getValue().size(), true);
                        check(want.equals(r), "%s: unmap %x gave %s, expected %s", context, va, r, want);
                        if (r instanceof UnmapResult.Unmapped) {
                            model.remove(va);
                        }
                    }
                    case 3 -> {
                        ProtectResult r = space.protect(va, prot);
                        Map.Entry<Long, Page> hit = covering(model, va);
                        ProtectResult want = hit == null ? new ProtectResult.NotMapped(va)
                                : hit.getKey() != va ? new ProtectResult.Unaligned(va, hit.getValue().size())
                                : new ProtectResult.Protected(va, hit.getValue().size(), hit.getValue().protection());
                        check(want.equals(r), "%s: protect %x gave %s, expected %s", context, va, r, want);
                        if (r instanceof ProtectResult.Protected) {
                            model.put(va, new Page(hit.getValue().frame(), hit.getValue().size(), prot));
                        }
                    }
                    default -> checkTranslate(space, model, va + (s / 5760) % 4096, access, user, context);
                }
                // Every page of the model, through the (warm) TLB, and the tables read directly.
                Set<Long> frames = new HashSet<>();
                for (Map.Entry<Long, Page> e : model.entrySet()) {
                    checkTranslate(space, model, e.getKey() + 8, AccessKind.READ, false, context + " sweep");
                    Optional<PageMapping> m = space.lookup(e.getKey());
                    check(m.isPresent() && m.get().physicalAddress() == e.getValue().frame()
                                    && m.get().protection().equals(e.getValue().protection())
                                    && m.get().size() == e.getValue().size(),
                            "%s: lookup %x = %s, model %s", context, e.getKey(), m, e.getValue());
                    check(frames.add(e.getValue().frame()), "%s: frame %x mapped twice", context, e.getValue().frame());
                }
                for (PageSize size : PageSize.values()) {
                    long inModel = model.values().stream().filter(p -> p.size() == size).count();
                    check(space.mappedPages(size) == inModel, "%s: %d %s pages, model %d", context,
                            space.mappedPages(size), size, inModel);
                }
            }
            space.close();
            long free = memory.stats().freeFrames();
            check(free == initialFree, "after close %d frames free, initially %d", free, initialFree);
        }));
    }

    @Test
    void afterInvalidationTheTlbNeverReturnsAStaleTranslation() {
        long base = 0x0000_1234_0000_0000L;
        long large = base + (4L << 20);
        qt().withExamples(150).forAll(STEPS).checkAssert(steps -> withMemory(memory -> {
            PagedAddressSpace space = newSpace(memory);
            List<Long> pages = new ArrayList<>();
            List<Long> frames = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                // Pages 4..7 sit 16 MiB above 0..3, in another page table, and share their
                // slots of the direct-mapped TLB, so the two groups keep evicting each other.
                long va = base + i * 0x1000L + (i >= 4 ? 0x100_0000L - 0x4000L : 0);
                pages.add(va);
                frames.add(((MapResult.Mapped) space.mapAnonymous(va, PageSize.SIZE_4K, Protection.USER_READ_WRITE))
                        .physicalAddress());
            }
            pages.add(large);
            space.mapAnonymous(large, PageSize.SIZE_2M, Protection.USER_READ_WRITE);
            Map<Long, Long> original = new HashMap<>();
            for (long va : pages) {
                original.put(va, space.readEntry(space.leafEntryAddress(va)));
            }
            Set<Long> pending = new HashSet<>(); // edited since their last invalidation
            for (int s : steps) {
                int which = (s / 7) % pages.size();
                long va = pages.get(which);
                long slot = space.leafEntryAddress(va) >= 0 ? space.leafEntryAddress(va) : -1;
                switch (s % 7) {
                    case 0, 1 -> {
                        // Edit the leaf behind the MMU's back: new frame or new rights, or not present.
                        long entry = space.readEntry(slotOf(space, va, original));
                        long edited = switch ((s / 63) % 4) {
                            case 0 -> entry ^ PageTableEntryDescriptor.WRITABLE;
                            case 1 -> entry ^ PageTableEntryDescriptor.USER;
                            case 2 -> entry ^ PageTableEntryDescriptor.PRESENT;
                            default -> va == large ? entry ^ PageTableEntryDescriptor.NO_EXECUTE
                                    : (entry & ~PageTableEntryDescriptor.ADDRESS_MASK)
                                            | frames.get((s / 252) % frames.size());
                        };
                        space.writeEntry(slotOf(space, va, original), edited);
                        pending.add(va);
                    }
                    case 2 -> {
                        space.invalidatePage(va + (s / 9) % 4096);
                        pending.remove(va);
                    }
                    case 3 -> {
                        if ((s / 7) % 5 == 0) {
                            space.flushTlb();
                            pending.clear();
                        }
                    }
                    default -> { /* a translate only, below */ }
                }
                AccessKind access = AccessKind.values()[(s / 11) % 3];
                boolean user = (s / 33) % 2 == 0;
                for (long page : pages) {
                    long address = page + (s / 17) % 4096;
                    Translation got = space.translate(address, access, user);
                    if (pending.contains(page)) {
                        continue; // stale is allowed (it is what hardware does) until invalidated
                    }
                    Translation want = fresh(space, address, access, user);
                    check(want == null ? got instanceof Translation.NotPresent : want.equals(got),
                            "translate(%x) = %s, tables say %s (slot %d)", address, got, want, slot);
                }
            }
            for (Map.Entry<Long, Long> e : original.entrySet()) {
                space.writeEntry(slotOf(space, e.getKey(), original), e.getValue());
            }
            space.close();
        }));
    }

    /** The leaf slot of a page even while its entry is edited to not present (the tables above stay). */
    private static long slotOf(PagedAddressSpace space, long va, Map<Long, Long> original) {
        long table = space.rootTable();
        int leafLevel = (original.get(va) & PageTableEntryDescriptor.PAGE_SIZE) != 0 ? 2 : 1;
        for (int level = 4; level > leafLevel; level--) {
            table = space.readEntry(table + 8L * PageTableEntryDescriptor.index(va, level))
                    & PageTableEntryDescriptor.ADDRESS_MASK;
        }
        return table + 8L * PageTableEntryDescriptor.index(va, leafLevel);
    }

    /**
     * What a walk of the current tables gives, from lookup (which bypasses the TLB); null for
     * not present (the level is checked by the unit tests).
     */
    private static Translation fresh(PagedAddressSpace space, long address, AccessKind access, boolean user) {
        Optional<PageMapping> m = space.lookup(address);
        if (m.isEmpty()) {
            return null;
        }
        Protection p = m.get().protection();
        if ((user && !p.user()) || (access == AccessKind.WRITE && !p.writable())) {
            return new Translation.ProtectionViolation(address, access, user);
        }
        if (access == AccessKind.EXECUTE && !p.executable()) {
            return new Translation.NoExecute(address, access, user);
        }
        return new Translation.Physical(address, m.get().physicalAddress() + (address - m.get().virtualAddress()));
    }

    private static void check(boolean condition, String format, Object... args) {
        if (!condition) {
            throw new AssertionError(String.format(format, args));
        }
    }
}
