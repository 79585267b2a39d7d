package dev.kosh.memory.bench;

import dev.kosh.memory.Access;
import dev.kosh.memory.AccessKind;
import dev.kosh.memory.PhysicalMemory;
import dev.kosh.memory.Protection;
import dev.kosh.memory.RangeResult;
import dev.kosh.memory.SpaceResult;
import dev.kosh.memory.VirtualAddressSpace;
import dev.kosh.memory.VirtualMemory;
import dev.kosh.memory.VmConfig;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The cost of a demand-zero page fault, per page: map 256 pages, touch each with a user write
 * (a minor fault each: frame allocated, zeroed, mapped, re-walked), unmap them (frames back).
 * Baselines in the same run, per 4 KiB page: a fresh zeroed heap array written once (what the
 * JVM does for {@code new byte[4096]}), and zeroing then writing a 4 KiB slice of a native
 * segment (the bare memory work a demand-zero fault must do).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PageFaultBenchmark {

    private static final int PAGES = 256;
    private static final long PAGE = 4096;

    private PhysicalMemory memory;
    private VirtualMemory vm;
    private VirtualAddressSpace space;
    private Arena arena;
    private MemorySegment pages;

    @Setup
    public void setUp() throws IOException {
        memory = PhysicalMemory.create(64L << 20, PhysicalMemory.DEFAULT_MAX_ORDER, List.of());
        vm = VirtualMemory.create(memory, VmConfig.defaults());
        space = ((SpaceResult.Created) vm.newSpace()).space();
        arena = Arena.ofConfined();
        pages = arena.allocate(PAGES * PAGE, PAGE);
    }

    @TearDown
    public void tearDown() throws IOException {
        space.close();
        vm.close();
        memory.close();
        arena.close();
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public long demandZeroFault() {
        RangeResult.Done range = (RangeResult.Done) space.map(0, PAGES, Protection.USER_READ_WRITE);
        long sum = 0;
        for (int i = 0; i < PAGES; i++) {
            Access a = space.access(range.start() + i * PAGE, AccessKind.WRITE, true);
            sum += ((Access.Resolved) a).physicalAddress();
        }
        space.unmap(range.start(), range.length());
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public void baselineHeapArray(Blackhole bh) {
        for (int i = 0; i < PAGES; i++) {
            byte[] page = new byte[(int) PAGE];
            page[i] = 1;
            bh.consume(page);
        }
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public long baselineZeroSegment() {
        long sum = 0;
        for (int i = 0; i < PAGES; i++) {
            MemorySegment page = pages.asSlice(i * PAGE, PAGE);
            page.fill((byte) 0);
            page.set(ValueLayout.JAVA_BYTE, i, (byte) 1);
            sum += page.address();
        }
        return sum;
    }
}
