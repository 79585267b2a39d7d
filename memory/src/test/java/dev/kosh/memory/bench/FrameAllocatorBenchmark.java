package dev.kosh.memory.bench;

import dev.kosh.memory.AllocResult;
import dev.kosh.memory.FreeResult;
import dev.kosh.memory.PhysicalMemory;
import dev.kosh.memory.internal.BuddyAllocator;
import java.util.ArrayDeque;
import java.util.List;
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
 * Allocate one frame and free it again, the hottest path of the frame allocator.
 *
 * <ul>
 *   <li>{@code buddyRaw}: the allocator's primitive path on a fully merged arena: the worst
 *       case, every allocation splits an order-10 block ten times and every free merges it
 *       back ten times.</li>
 *   <li>{@code buddyRawFragmented}: the same with one frame held, so the allocated frame's buddy
 *       is in use: one list pop and one push, no split, no merge (the common steady state).</li>
 *   <li>{@code buddyRecords}: the API path through {@link PhysicalMemory}, returning result records.</li>
 *   <li>{@code baselineArrayDeque}: a plain free list of frame numbers, no lock, no coalescing, no checks.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FrameAllocatorBenchmark {

    private PhysicalMemory memory;
    private BuddyAllocator buddy;
    private BuddyAllocator fragmented;
    private ArrayDeque<Integer> freeList;

    @Setup(Level.Trial)
    public void setUp() {
        memory = PhysicalMemory.create(64L << 20, List.of());
        buddy = new BuddyAllocator(16_384, 10, List.of());
        fragmented = new BuddyAllocator(16_384, 10, List.of());
        fragmented.allocateFrames(0); // frame 0 stays allocated; frame 1 is the free order-0 block
        freeList = new ArrayDeque<>(16_384);
        for (int frame = 0; frame < 16_384; frame++) {
            freeList.push(frame);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        memory.close();
    }

    @Benchmark
    public int buddyRaw() {
        long address = buddy.allocateFrames(0);
        return buddy.freeFrames(address, 0);
    }

    @Benchmark
    public int buddyRawFragmented() {
        long address = fragmented.allocateFrames(0);
        return fragmented.freeFrames(address, 0);
    }

    @Benchmark
    public Object buddyRecords() {
        if (memory.allocate(0) instanceof AllocResult.Allocated a) {
            FreeResult result = memory.free(a.physicalAddress(), 0);
            return result;
        }
        throw new IllegalStateException("arena exhausted");
    }

    @Benchmark
    public Integer baselineArrayDeque() {
        Integer frame = freeList.pop();
        freeList.push(frame);
        return frame;
    }
}
