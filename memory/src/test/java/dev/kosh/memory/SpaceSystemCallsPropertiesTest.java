package dev.kosh.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Random map / unmap / protect / brk / write / read sequences against a model: a map from page
 * to (rights, last byte written). After every step each page of the window is mapped in the
 * space exactly when it is in the model, with the model's rights; reads return the model's
 * byte; writes are refused exactly where the model says; and closing the space returns every
 * frame and swap slot.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SpaceSystemCallsPropertiesTest {

    private static final long PAGE = 4096;
    private static final long WINDOW = 0x4000_0000L;
    private static final int WINDOW_PAGES = 40;
    private static final int HEAP_PAGES = 12;
    private static final Protection[] RIGHTS = {Protection.USER_READ_WRITE, Protection.USER_READ, Protection.USER_READ_EXECUTE};

    /** What the model knows of a page. */
    private record Page(Protection rights, byte value) {}

    @Test
    void syscallSequencesAgreeWithAModel() {
        qt().withExamples(80).withShrinkCycles(50)
                .forAll(lists().of(integers().between(0, Integer.MAX_VALUE)).ofSizeBetween(1, 60))
                .checkAssert(ops -> run(ops, false));
    }

    @Test
    void theSameWithATinyFrameQuotaAndSwap() {
        qt().withExamples(40).withShrinkCycles(30)
                .forAll(lists().of(integers().between(0, Integer.MAX_VALUE)).ofSizeBetween(1, 60))
                .checkAssert(ops -> run(ops, true));
    }

    private static void run(List<Integer> ops, boolean swap) {
        Path dir = null;
        try {
            dir = swap ? Files.createTempDirectory("kosh-syscalls") : null;
            try (PhysicalMemory memory = PhysicalMemory.create(4L << 20, 10, List.of(MemoryRange.reserved(0, 1 << 20)))) {
                long free = memory.stats().freeFrames();
                VmConfig config = VmConfig.defaults().withRandom(new Random(ops.size())).withAslr(false);
                try (VirtualMemory vm = VirtualMemory.create(memory, swap ? config.withSwap(dir.resolve("swap"), 256, null) : config)) {
                    // With swap: 10 frames (tables included) for up to 52 pages; the rest must go to swap and come back.
                    VirtualAddressSpace s = ((SpaceResult.Created) (swap ? vm.newSpace(10) : vm.newSpace())).space();
                    Map<Long, Page> model = new HashMap<>();
                    long heapBase = s.layout().heapBase();
                    long[] brk = {heapBase};
                    for (int op : ops) {
                        step(s, model, brk, heapBase, op);
                        check(s, model, heapBase);
                    }
                    s.close();
                    assertEquals(0, vm.stats().swapSlotsUsed(), "every swap slot came back");
                }
                assertEquals(free, memory.stats().freeFrames(), "every frame came back");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (dir != null) {
                try (var files = Files.walk(dir)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException ignored) {
                    // a temp directory left behind is harmless
                }
            }
        }
    }

    private static void step(VirtualAddressSpace s, Map<Long, Page> model, long[] brk, long heapBase, int op) {
        int kind = op % 6;
        int at = (op / 6) % WINDOW_PAGES;
        int n = (op / (6 * WINDOW_PAGES)) % 8 + 1;
        Protection rights = RIGHTS[(op / (48 * WINDOW_PAGES)) % RIGHTS.length];
        byte value = (byte) ((op / (144 * WINDOW_PAGES)) % 255 + 1);
        long start = WINDOW + at * PAGE;
        long end = Math.min(start + n * PAGE, WINDOW + WINDOW_PAGES * PAGE);
        switch (kind) {
            case 0 -> { // map at a hint inside the window
                boolean free = true;
                for (long p = start; p < end; p += PAGE) free &= !model.containsKey(p);
                RangeResult.Done d = assertInstanceOf(RangeResult.Done.class, s.map(start, (end - start) / PAGE, rights));
                if (free) assertEquals(start, d.start(), "a free hint is honoured");
                if (d.start() == start) {
                    for (long p = start; p < end; p += PAGE) model.put(p, new Page(rights, (byte) 0));
                } else {
                    // Placed elsewhere: outside the window, which the model does not follow; give it back.
                    assertTrue(d.start() + d.length() <= WINDOW || d.start() >= WINDOW + WINDOW_PAGES * PAGE);
                    assertInstanceOf(RangeResult.Done.class, s.unmap(d.start(), d.length()));
                }
            }
            case 1 -> {
                assertInstanceOf(RangeResult.Done.class, s.unmap(start, end - start));
                for (long p = start; p < end; p += PAGE) model.remove(p);
            }
            case 2 -> {
                boolean all = true;
                for (long p = start; p < end; p += PAGE) all &= model.containsKey(p);
                RangeResult r = s.protect(start, end - start, rights);
                if (all) {
                    assertInstanceOf(RangeResult.Done.class, r);
                    for (long p = start; p < end; p += PAGE) model.put(p, new Page(rights, model.get(p).value()));
                } else {
                    assertEquals(RangeResult.Refusal.NOT_MAPPED, assertInstanceOf(RangeResult.Refused.class, r).reason());
                }
            }
            case 3 -> { // brk to somewhere in the heap window, not page-aligned half the time
                long target = heapBase + (at % (HEAP_PAGES + 1)) * PAGE + (n % 2 == 0 ? 0 : 123);
                assertEquals(new RangeResult.Done(heapBase, target - heapBase), s.brk(target));
                long oldTop = (brk[0] + PAGE - 1) & -PAGE;
                long newTop = (target + PAGE - 1) & -PAGE;
                for (long p = newTop; p < oldTop; p += PAGE) model.remove(p);
                for (long p = oldTop; p < newTop; p += PAGE) model.put(p, new Page(Protection.USER_READ_WRITE, (byte) 0));
                brk[0] = target;
            }
            case 4 -> { // write one byte to a page of the window or the heap
                long page = (n % 2 == 0) ? start : heapBase + (at % HEAP_PAGES) * PAGE;
                byte[] fill = new byte[(int) PAGE];
                java.util.Arrays.fill(fill, value);
                CopyResult r = s.write(page, fill);
                Page m = model.get(page);
                if (m == null) {
                    assertEquals(SignalReason.UNMAPPED, assertInstanceOf(CopyResult.Faulted.class, r).signal().reason());
                } else if (!m.rights().writable()) {
                    assertEquals(0, assertInstanceOf(CopyResult.Faulted.class, r).bytesCopied());
                    assertEquals(SignalReason.PROTECTION, assertInstanceOf(CopyResult.Faulted.class, r).signal().reason());
                } else {
                    assertEquals(new CopyResult.Copied(PAGE), r);
                    model.put(page, new Page(m.rights(), value));
                }
            }
            default -> { // execute: only where the model's rights say so
                Access a = s.access(start, AccessKind.EXECUTE, true);
                Page m = model.get(start);
                if (m == null) {
                    assertEquals(SignalReason.UNMAPPED, assertInstanceOf(Access.Signal.class, a).reason());
                } else if (m.rights().executable()) {
                    assertInstanceOf(Access.Resolved.class, a);
                } else {
                    assertEquals(SignalReason.NO_EXECUTE, assertInstanceOf(Access.Signal.class, a).reason());
                }
            }
        }
    }

    private static void check(VirtualAddressSpace s, Map<Long, Page> model, long heapBase) {
        checkRange(s, model, WINDOW, WINDOW_PAGES);
        checkRange(s, model, heapBase, HEAP_PAGES + 1);
    }

    private static void checkRange(VirtualAddressSpace s, Map<Long, Page> model, long base, int pages) {
        for (int i = 0; i < pages; i++) {
            long p = base + i * PAGE;
            Page m = model.get(p);
            var region = s.regionAt(p);
            assertEquals(m != null, region.isPresent(), "page 0x" + Long.toHexString(p) + " mapped");
            if (m == null) continue;
            assertEquals(m.rights(), region.get().protection(), "rights of 0x" + Long.toHexString(p));
            byte[] b = new byte[1];
            assertEquals(new CopyResult.Copied(1), s.read(p + (i % 40), b), "read 0x" + Long.toHexString(p)
                    + " resident " + s.residentPages() + " swapped " + s.swappedPages() + " tables " + s.pageTableFrames() + " " + s.pmap().format());
            assertEquals(m.value(), b[0], "byte of 0x" + Long.toHexString(p));
        }
    }
}
