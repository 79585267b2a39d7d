package dev.kosh.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.kosh.api.Program;
import dev.kosh.api.SysResult;
import dev.kosh.driver.api.BlockAccess;
import dev.kosh.driver.api.BlockDevice;
import dev.kosh.driver.api.BlockError;
import dev.kosh.driver.api.DriverCapabilities;
import dev.kosh.driver.api.DriverContext;
import dev.kosh.driver.api.DriverError;
import dev.kosh.driver.api.DriverRequest;
import dev.kosh.driver.api.DriverResponse;
import dev.kosh.driver.api.KoshDriver;
import dev.kosh.hal.linux.IoUringBlockDevice.DirectIo;
import dev.kosh.kernel.process.CapabilitySet;
import dev.kosh.kernel.process.ProcessTable;
import dev.kosh.kernel.process.ProgramImage;
import dev.kosh.scheduler.KernelThreads;

@Timeout(30)
class BlockGrantTest {
    private static final int BS = BlockGrant.BLOCK_SIZE;

    @TempDir
    Path dir;

    private BlockDevice opened(BlockAccess access, int index) {
        return switch (access.open(index)) {
            case BlockAccess.Grant.Opened o -> o.device();
            case BlockAccess.Grant.Refused r -> throw new AssertionError(r.reason());
        };
    }

    private static BlockError.Kind kind(Optional<BlockError> e) {
        return e.orElseThrow(() -> new AssertionError("expected an error")).kind();
    }

    @Test
    void synchronousWritesAndReadsGoThroughTheRingToTheFile() throws Exception {
        Path file = dir.resolve("disk.img");
        try (BlockGrant grant = new BlockGrant("blk", List.of(new BlockGrant.Backing(file, 64L * BS, DirectIo.PREFERRED, 8)))) {
            assertEquals(1, grant.count());
            BlockDevice dev = opened(grant, 0);
            assertEquals(64, dev.blockCount());
            assertEquals(64L * BS, dev.sizeBytes());
            assertEquals(8, dev.queueDepth());
            assertTrue(dev.description().contains("disk.img"), dev.description());
            ByteBuffer buf = dev.allocate(2);
            assertTrue(buf.isDirect());
            assertEquals(2 * BS, buf.remaining());
            assertEquals(2 * BS, buf.capacity());
            assertEquals(0, buf.alignmentOffset(0, BS), "block-aligned in memory");
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> dev.allocate(0));
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> dev.allocate(Integer.MAX_VALUE / BS));
            byte[] data = new byte[2 * BS];
            new Random(3).nextBytes(data);
            buf.put(0, data);
            assertEquals(Optional.empty(), dev.write(10L * BS, buf));
            assertEquals(0, buf.position(), "the position is not moved");
            assertEquals(Optional.empty(), dev.flush());
            byte[] onDisk = Files.readAllBytes(file);
            assertArrayEquals(data, java.util.Arrays.copyOfRange(onDisk, 10 * BS, 12 * BS));
            ByteBuffer in = dev.allocate(4);
            assertEquals(Optional.empty(), dev.read(10L * BS, in.slice(BS, 2 * BS)), "a block-aligned slice of a device buffer");
            byte[] got = new byte[2 * BS];
            in.get(BS, got);
            assertArrayEquals(data, got);
            // A plain direct buffer works too once its position is block-aligned in memory.
            ByteBuffer own = ByteBuffer.allocateDirect(3 * BS).alignedSlice(BS).limit(BS);
            assertEquals(Optional.empty(), dev.read(11L * BS, own));
            byte[] second = new byte[BS];
            own.get(0, second);
            assertArrayEquals(java.util.Arrays.copyOfRange(data, BS, 2 * BS), second);
        }
    }

    @Test
    void everyRefusalIsATypedErrorNamingTheLimit() {
        try (BlockGrant grant = new BlockGrant("blk", List.of(new BlockGrant.Backing(dir.resolve("d.img"), 4L * BS, DirectIo.OFF, 1)))) {
            BlockDevice dev = opened(grant, 0);
            assertTrue(!dev.direct());
            ByteBuffer buf = dev.allocate(1);
            Optional<BlockError> mis = dev.read(100, buf);
            assertEquals(BlockError.Kind.MISALIGNED, kind(mis));
            assertTrue(mis.get().message().contains("4096-byte blocks"), mis.get().message());
            Optional<BlockError> range = dev.write(4L * BS, buf);
            assertEquals(BlockError.Kind.OUT_OF_RANGE, kind(range));
            assertTrue(range.get().message().contains("16384 bytes"), range.get().message());
            assertEquals(BlockError.Kind.NOT_DIRECT, kind(dev.read(0, ByteBuffer.allocate(BS))));
            assertEquals(BlockError.Kind.READ_ONLY, kind(dev.read(0, buf.asReadOnlyBuffer())));
            assertEquals(BlockError.Kind.MISALIGNED, kind(dev.read(0, dev.allocate(2).position(8).limit(8 + BS))), "position not block-aligned");
            assertEquals(Optional.empty(), dev.write(0, buf.asReadOnlyBuffer()), "a read-only buffer may be written from");

            // Queue depth 1: a second operation is refused, and a synchronous one is BUSY.
            assertEquals(Optional.empty(), dev.queueRead(0, buf, 1));
            assertEquals(BlockError.Kind.QUEUE_FULL, kind(dev.queueFlush(2)));
            assertEquals(BlockError.Kind.QUEUE_FULL, kind(dev.queueWrite(0, buf, 2)));
            assertEquals(BlockError.Kind.QUEUE_FULL, kind(dev.queueRead(0, buf, 2)));
            assertEquals(BlockError.Kind.BUSY, kind(dev.flush()));
            List<Long> tags = new ArrayList<>();
            var awaited = assertInstanceOf(BlockDevice.Awaited.Completed.class, dev.await(1, (tag, r) -> tags.add(tag)));
            assertEquals(1, awaited.count());
            assertEquals(List.of(1L), tags);

            dev.close();
            assertEquals(BlockError.Kind.CLOSED, kind(dev.read(0, buf)));
            assertEquals(BlockError.Kind.CLOSED, kind(dev.queueFlush(3)));
            var failed = assertInstanceOf(BlockDevice.Awaited.Failed.class, dev.await(1, (t, r) -> { }));
            assertEquals(BlockError.Kind.CLOSED, failed.error().kind());
        }
    }

    @Test
    void theDriverNamesDevicesOnlyByIndexAndBadBackingsAreRefusedWithTheReason() {
        BlockGrant grant = new BlockGrant("blk", List.of(
                new BlockGrant.Backing(dir.resolve("missing.img"), 0, DirectIo.PREFERRED, 4),
                new BlockGrant.Backing(dir.resolve("odd.img"), 1000, DirectIo.PREFERRED, 4)));
        String none = assertInstanceOf(BlockAccess.Grant.Refused.class, grant.open(2)).reason();
        assertEquals("driver blk was granted 2 block device(s); there is no #2", none);
        assertInstanceOf(BlockAccess.Grant.Refused.class, grant.open(-1));
        assertTrue(assertInstanceOf(BlockAccess.Grant.Refused.class, grant.open(0)).reason().contains("not found"));
        assertTrue(assertInstanceOf(BlockAccess.Grant.Refused.class, grant.open(1)).reason().contains("multiple of the 4096-byte block"));
        assertEquals(0, BlockAccess.NONE.count());
        assertInstanceOf(BlockAccess.Grant.Refused.class, BlockAccess.NONE.open(0));
        grant.close();
    }

    @Test
    void aNewInstanceOpeningTheDeviceClosesWhatItsPredecessorLeftOpen() {
        try (BlockGrant grant = new BlockGrant("blk", List.of(new BlockGrant.Backing(dir.resolve("r.img"), 4L * BS, DirectIo.PREFERRED, 2)))) {
            BlockDevice first = opened(grant, 0);
            BlockDevice second = opened(grant, 0);
            ByteBuffer buf = second.allocate(1);
            assertEquals(BlockError.Kind.CLOSED, kind(first.read(0, buf)), "the crashed instance's ring is gone");
            assertEquals(Optional.empty(), second.read(0, buf));
        }
    }

    @Test
    void closingFromAnotherThreadWithReadsInFlightKeepsTheirBuffersFromTheAllocator() throws Exception {
        BlockGrant grant = new BlockGrant("blk", List.of(new BlockGrant.Backing(dir.resolve("q.img"), 8L * BS, DirectIo.PREFERRED, 4)));
        BlockDevice dev = opened(grant, 0);
        assertEquals(Optional.empty(), dev.queueRead(0, dev.allocate(1), 1));
        assertEquals(Optional.empty(), dev.queueRead(BS, dev.allocate(1), 2));
        int before = RingBlockDevice.quarantined();
        Thread other = Thread.ofPlatform().start(grant::close); // as the kernel would, for a hung driver's successor
        other.join();
        // On a single-owner ring the other thread cannot reap, so both buffers stay out of the allocator's
        // reach; on a plain ring it can, and nothing needs keeping.
        int kept = RingBlockDevice.quarantined() - before;
        assertTrue(kept == 2 || kept == 0, "kept " + kept);
        assertEquals(BlockError.Kind.CLOSED, kind(dev.flush()));
    }

    @Test
    void grantedBlocksReachTheDriversContextThroughTheManager() throws Exception {
        List<DriverContext> seen = new CopyOnWriteArrayList<>();
        List<String> lines = new CopyOnWriteArrayList<>();
        DriverManager[] manager = new DriverManager[1];
        KoshDriver driver = new KoshDriver() {
            public Optional<DriverError> init() {
                throw new AssertionError("init(DriverContext) is called");
            }

            @Override
            public Optional<DriverError> init(DriverContext context) {
                seen.add(context);
                return Optional.empty();
            }

            public DriverResponse handleRequest(DriverRequest request) {
                return DriverResponse.ok(new byte[0]);
            }

            public void cleanup() {
            }

            public DriverCapabilities getCapabilities() {
                return new DriverCapabilities("block", Set.of());
            }
        };
        ProcessTable table = new ProcessTable(new KernelThreads(), bundle -> SysResult.ok(new ProgramImage() {
            public String name() {
                return bundle;
            }

            public String origin() {
                return bundle;
            }

            public Set<String> declaredCapabilities() {
                return Set.of("log");
            }

            public Program instantiate() {
                return manager[0].hostFor(bundle.equals("b.blk") ? "blk" : "other", driver).orThrow();
            }
        }), new ListJournal(lines), (pid, text) -> { }, Duration.ofSeconds(1));
        try (BlockGrant grant = new BlockGrant("blk", List.of(new BlockGrant.Backing(dir.resolve("m.img"), 4L * BS, DirectIo.PREFERRED, 2)))) {
            table.createInit(new CapabilitySet(Set.of("log")));
            manager[0] = new DriverManager(table, new ListJournal(lines));
            manager[0].grantBlocks("blk", grant);
            manager[0].start("blk", "b.blk", Set.of("log"), false, Duration.ofSeconds(5)).orThrow();
            manager[0].start("other", "b.other", Set.of("log"), false, Duration.ofSeconds(5)).orThrow();
            assertEquals(2, seen.size());
            DriverContext blk = seen.stream().filter(c -> c.driverName().equals("blk")).findFirst().orElseThrow();
            DriverContext other = seen.stream().filter(c -> c.driverName().equals("other")).findFirst().orElseThrow();
            assertSame(grant, blk.blocks());
            assertSame(BlockAccess.NONE, other.blocks(), "a driver not granted a block device gets none");
            assertEquals(blk, blk.withBlocks(grant));
        } finally {
            table.terminateAll(Duration.ofSeconds(1));
            table.close();
        }
    }
}
