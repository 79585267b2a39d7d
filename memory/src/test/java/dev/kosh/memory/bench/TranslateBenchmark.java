package dev.kosh.memory.bench;

import dev.kosh.memory.AccessKind;
import dev.kosh.memory.CreateSpaceResult;
import dev.kosh.memory.MapResult;
import dev.kosh.memory.PageSize;
import dev.kosh.memory.PhysicalMemory;
import dev.kosh.memory.Protection;
import dev.kosh.memory.Translation;
import dev.kosh.memory.internal.PagedAddressSpace;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Virtual-to-physical translation of a user read.
 *
 * <ul>
 *   <li>{@code tlbHit*}: 32 pages cycled, all resident in the 64-entry TLB.</li>
 *   <li>{@code tlbMiss*}: 32 pages 256 KiB apart, which all land in the same slot of the
 *       direct-mapped TLB and evict each other, so every translation is a four-level walk.</li>
 *   <li>{@code baselineHashMap}: a {@code HashMap<Long, Long>} from page number to frame over the
 *       same 32 pages: what a naive software page table would cost.</li>
 * </ul>
 * {@code *Raw} is the allocation-free MMU path, {@code *Records} the API returning a {@link Translation}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TranslateBenchmark {

    private static final int PAGES = 32;
    private static final long BASE = 0x0000_0040_0000_0000L;

    private PhysicalMemory memory;
    private PagedAddressSpace space;
    private final long[] hitAddresses = new long[PAGES];
    private final long[] missAddresses = new long[PAGES];
    private final Map<Long, Long> pageMap = new HashMap<>();
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        memory = PhysicalMemory.create(64L << 20, List.of());
        space = (PagedAddressSpace) ((CreateSpaceResult.Created) memory.newAddressSpace()).space();
        for (int i = 0; i < PAGES; i++) {
            hitAddresses[i] = BASE + i * 4096L + 0x80;
            missAddresses[i] = BASE + (1L << 30) + i * (64 * 4096L) + 0x80;
            map(hitAddresses[i] & -4096L);
            map(missAddresses[i] & -4096L);
        }
    }

    private void map(long page) {
        MapResult r = space.mapAnonymous(page, PageSize.SIZE_4K, Protection.USER_READ_WRITE);
        pageMap.put(page >>> 12, ((MapResult.Mapped) r).physicalAddress() >>> 12);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        space.close();
        memory.close();
    }

    private int nextIndex() {
        int i = next;
        next = (i + 1) & (PAGES - 1);
        return i;
    }

    @Benchmark
    public long tlbHitRaw() {
        return space.translateRaw(hitAddresses[nextIndex()], AccessKind.READ, true);
    }

    @Benchmark
    public long tlbMissRaw() {
        return space.translateRaw(missAddresses[nextIndex()], AccessKind.READ, true);
    }

    @Benchmark
    public Translation tlbHitRecords() {
        return space.translate(hitAddresses[nextIndex()], AccessKind.READ, true);
    }

    @Benchmark
    public Translation tlbMissRecords() {
        return space.translate(missAddresses[nextIndex()], AccessKind.READ, true);
    }

    @Benchmark
    public long baselineHashMap() {
        long va = hitAddresses[nextIndex()];
        Long frame = pageMap.get(va >>> 12);
        return (frame << 12) | (va & 0xFFF);
    }
}
