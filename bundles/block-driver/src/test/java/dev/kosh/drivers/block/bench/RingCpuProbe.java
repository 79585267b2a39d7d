package dev.kosh.drivers.block.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import dev.kosh.driver.BlockGrant;
import dev.kosh.driver.api.BlockAccess;
import dev.kosh.driver.api.BlockDevice;
import dev.kosh.hal.linux.IoUringBlockDevice.DirectIo;

/**
 * CPU time per I/O of the ring path (the same loop as {@link BlockThroughputBenchmark#ring}),
 * measured as the driving thread's CPU time (user and system: the kernel's share of io_uring is
 * charged to it). Throughput on a shared machine moves with everyone else's load; CPU per I/O
 * barely does, so it is the steadier comparison with fio's own usr+sys per I/O.
 */
final class RingCpuProbe {
    record Sample(double iops, double cpuNanosPerIo, double userNanosPerIo) {}

    private RingCpuProbe() {}

    static Sample measure(Path file, int qd, String pattern, boolean direct, int seconds) {
        BlockGrant grant = new BlockGrant("probe", List.of(new BlockGrant.Backing(file, 0, direct ? DirectIo.REQUIRED : DirectIo.OFF, qd)));
        try (grant) {
            BlockDevice d = switch (grant.open(0)) {
                case BlockAccess.Grant.Opened o -> o.device();
                case BlockAccess.Grant.Refused r -> throw new IllegalStateException(r.reason());
            };
            ByteBuffer[] buffers = new ByteBuffer[qd];
            int[] free = new int[qd];
            int[] freeCount = {0};
            for (int i = 0; i < qd; i++) {
                buffers[i] = d.allocate(1);
                free[freeCount[0]++] = i;
            }
            long blocks = d.blockCount();
            SplittableRandom random = new SplittableRandom(7);
            long[] done = {0};
            long seq = 0;
            BlockDevice.Completion onDone = (tag, result) -> {
                if (result != 4096) throw new IllegalStateException("read returned " + result);
                free[freeCount[0]++] = (int) tag;
                done[0]++;
            };
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            Sample last = null;
            for (int round = 0; round < 2; round++) { // the first round warms the JIT up
                done[0] = 0;
                long t0 = System.nanoTime(), cpu0 = mx.getCurrentThreadCpuTime(), user0 = mx.getCurrentThreadUserTime();
                while (System.nanoTime() - t0 < seconds * 1_000_000_000L) {
                    while (freeCount[0] > 0) {
                        int slot = free[--freeCount[0]];
                        long block = pattern.equals("seq") ? seq++ % blocks : random.nextLong(blocks);
                        if (d.queueRead(block * 4096, buffers[slot], slot).isPresent()) throw new IllegalStateException("refused");
                    }
                    if (d.await(1, onDone) instanceof BlockDevice.Awaited.Failed f) throw new IllegalStateException(f.error().message());
                }
                long elapsed = System.nanoTime() - t0;
                double cpu = mx.getCurrentThreadCpuTime() - cpu0, user = mx.getCurrentThreadUserTime() - user0;
                last = new Sample(done[0] * 1e9 / elapsed, cpu / done[0], user / done[0]);
            }
            d.await(d.outstanding(), (t, r) -> { });
            d.close();
            return last;
        }
    }
}
