package dev.kosh.memory.bench;

import dev.kosh.memory.AccessKind;
import dev.kosh.memory.PhysicalMemory;
import dev.kosh.memory.Protection;
import dev.kosh.memory.RangeResult;
import dev.kosh.memory.SpaceResult;
import dev.kosh.memory.SwapBackend;
import dev.kosh.memory.VirtualAddressSpace;
import dev.kosh.memory.VirtualMemory;
import dev.kosh.memory.VmConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Swap throughput, per 4 KiB page: dirty a resident page, send it to swap
 * ({@code VirtualMemory.reclaim}: CLOCK picks it, the page is written to its slot and unmapped,
 * its frame freed) and fault it back in, on each {@link SwapBackend} (a major fault: a frame, a read of the slot, a mapping).
 * The baseline, in the same run and on the same swap file (the same inode, past the VM's slots), is the raw I/O
 * alone: one {@link FileChannel} write and one read of a 4 KiB page from a direct buffer.
 * Neither side syncs: both measure the host's page cache, which is where swap I/O lands first; the
 * file is on {@code /dev/shm} (tmpfs) when the host has it, so disk write-back does not add noise.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SwapBenchmark {

    private static final int PAGES = 256;
    private static final int SLOTS = 1024;
    private static final long PAGE = 4096;

    /** How the VM's swap file is read and written. */
    @Param({"FILE_CHANNEL", "IO_URING"})
    public SwapBackend backend;

    private Path dir;
    private Path swapFile;
    private PhysicalMemory memory;
    private VirtualMemory vm;
    private VirtualAddressSpace space;
    private long base;
    private FileChannel raw;
    private ByteBuffer buffer;
    private final byte[] one = {1};

    @Setup
    public void setUp() throws IOException {
        // On tmpfs when the host has one: the benchmark measures the swap path against raw I/O,
        // not the disk's (shared, noisy) write-back.
        Path shm = Path.of("/dev/shm");
        dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "kosh-swap-bench")
                : Files.createTempDirectory("kosh-swap-bench");
        swapFile = dir.resolve("vm.swap");
        // Opened before the VM's swap manager, which unlinks the path as it opens it (DELETE_ON_CLOSE):
        // both channels then share the one inode.
        raw = FileChannel.open(swapFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        memory = PhysicalMemory.create(16L << 20, PhysicalMemory.DEFAULT_MAX_ORDER, List.of());
        vm = VirtualMemory.create(memory, VmConfig.defaults().withSwap(swapFile, SLOTS, null).withSwapBackend(backend));
        space = ((SpaceResult.Created) vm.newSpace()).space();
        base = ((RangeResult.Done) space.map(0, PAGES, Protection.USER_READ_WRITE)).start();
        for (int i = 0; i < PAGES; i++) {
            space.write(base + i * PAGE, one);
        }
        buffer = ByteBuffer.allocateDirect((int) PAGE);
    }

    @TearDown
    public void tearDown() throws IOException {
        raw.close();
        space.close();
        vm.close();
        memory.close();
        Files.deleteIfExists(swapFile);
        Files.deleteIfExists(dir);
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public long swapOutAndIn() {
        for (int i = 0; i < PAGES; i++) {
            space.write(base + i * PAGE + i, one); // dirty: the eviction must write it
        }
        long out = vm.reclaim(PAGES);
        if (out != PAGES) {
            throw new IllegalStateException("reclaimed " + out + " of " + PAGES + " pages");
        }
        long sum = 0;
        for (int i = 0; i < PAGES; i++) {
            sum += space.access(base + i * PAGE, AccessKind.READ, true).hashCode();
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public long baselineFileChannelWriteAndRead() throws IOException {
        long at = (long) SLOTS * PAGE;
        long sum = 0;
        for (int i = 0; i < PAGES; i++) {
            buffer.clear();
            buffer.put(i, (byte) i);
            while (buffer.hasRemaining()) {
                raw.write(buffer, at + i * PAGE + buffer.position());
            }
        }
        for (int i = 0; i < PAGES; i++) {
            buffer.clear();
            while (buffer.hasRemaining()) {
                sum += raw.read(buffer, at + i * PAGE + buffer.position());
            }
        }
        return sum;
    }
}
