package dev.kosh.memory.bench;

import dev.kosh.memory.ArenaBacking;
import dev.kosh.memory.PhysicalMemory;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The boot cost of the default 256 MiB arena: {@code create} then {@code close}, per backing.
 * {@code JAVA_ONLY} ({@code Arena.allocate}, which zeroes the whole arena) is the baseline the
 * mmap backings are compared with in the same run. This is the warm cost; the cold, first-in-the-
 * JVM cost (dominated by binding the first native function) is in the module README.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ArenaCreateBenchmark {

    @Param({"PREFER_HUGE_PAGES", "ORDINARY_PAGES", "JAVA_ONLY"})
    public ArenaBacking.Policy policy;

    @Benchmark
    public long createAndClose() {
        try (PhysicalMemory memory = PhysicalMemory.create(
                PhysicalMemory.DEFAULT_SIZE, PhysicalMemory.DEFAULT_MAX_ORDER, List.of(), policy)) {
            return memory.stats().freeFrames();
        }
    }
}
