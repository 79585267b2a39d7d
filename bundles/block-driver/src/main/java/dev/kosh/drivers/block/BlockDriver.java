package dev.kosh.drivers.block;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;

import dev.kosh.driver.api.BlockAccess;
import dev.kosh.driver.api.BlockDevice;
import dev.kosh.driver.api.BlockError;
import dev.kosh.driver.api.ConcurrentDriver;
import dev.kosh.driver.api.DriverCapabilities;
import dev.kosh.driver.api.DriverContext;
import dev.kosh.driver.api.DriverError;
import dev.kosh.driver.api.DriverRequest;
import dev.kosh.driver.api.DriverResponse;

/**
 * The block storage driver: serves the first block device the kernel granted it (a file named in
 * its {@code [driver]} section, read and written through the HAL's io_uring ring). Requests, with
 * every number big-endian (see {@link BlockProtocol}):
 *
 * <ul>
 *   <li>{@code size} → block count (8 bytes), block size (4 bytes);
 *   <li>{@code read} offset(8) length(4) → the bytes;
 *   <li>{@code write} offset(8) data → bytes written (8), once the device took them;
 *   <li>{@code flush} → nothing, once every write answered before it is on stable storage;
 *   <li>{@code readv} offset(8) × n → n blocks, all n queued together (queue depth n, up to the ring's);
 *   <li>{@code stats} → a line of counters.
 * </ul>
 *
 * Offsets and lengths are whole blocks, at most {@link BlockProtocol#MAX_TRANSFER} per request;
 * anything else is refused with {@code INVALID_REQUEST} saying which rule it broke. The device's
 * own failures are {@code DEVICE_ERROR}s.
 *
 * <p>A {@link ConcurrentDriver}: up to the ring's depth of requests are in flight at once, each
 * with its own buffer, each operation submitted to the ring as it is queued (see
 * {@link #queueWaiting}), each request answered as its last completion comes back — so the ring stays
 * full across requests, as fio keeps it. Requests in flight together are unordered (as on a
 * disk's queue); one client's requests, each awaited before the next, are in order. Everything
 * runs on the driver's one thread: no locks.
 */
public final class BlockDriver implements ConcurrentDriver {
    /** The high bits of a ring tag name the transfer's slot; the low ones, the operation within it. */
    private static final int OP_BITS = 20;

    /** One request being served: its buffer, its operations (queued and completed), and how it went. */
    private static final class Transfer {
        final int slot;
        Reply reply;
        boolean read;
        boolean flush;
        long[] offsets; // one per operation: readv's blocks, or the single offset of read and write
        int opLength; // bytes per operation
        ByteBuffer buffer;
        int queued;
        int completed;
        int ops;
        BlockError failure;

        Transfer(int slot) {
            this.slot = slot;
        }
    }

    private BlockDevice device;
    private int blockSize;
    private Transfer[] slots;
    private final ArrayDeque<Transfer> freeSlots = new ArrayDeque<>();
    /** Transfers with operations not yet queued (the ring was full), oldest first. */
    private final ArrayDeque<Transfer> waiting = new ArrayDeque<>();
    private BufferPool buffers;
    private final BlockDevice.Completion onCompletion = this::completed;
    private long reads, writes, flushes, bytesRead, bytesWritten;

    @Override
    public Optional<DriverError> init() {
        return Optional.of(new DriverError(DriverError.Code.DEVICE_ERROR, "the block driver needs its context (a granted block device)"));
    }

    @Override
    public Optional<DriverError> init(DriverContext context) {
        BlockAccess blocks = context.blocks();
        if (blocks.count() < 1) {
            return Optional.of(new DriverError(DriverError.Code.DEVICE_ERROR, "driver " + context.driverName()
                    + " was granted no block device: set block.file and block.size in its [driver] section"));
        }
        switch (blocks.open(0)) {
            case BlockAccess.Grant.Opened o -> device = o.device();
            case BlockAccess.Grant.Refused r -> {
                return Optional.of(new DriverError(DriverError.Code.DEVICE_ERROR, "cannot open the block device: " + r.reason()));
            }
        }
        blockSize = device.blockSize();
        if (BlockProtocol.MAX_TRANSFER % blockSize != 0) {
            device.close();
            return Optional.of(new DriverError(DriverError.Code.DEVICE_ERROR, "block size " + blockSize + " does not divide "
                    + BlockProtocol.MAX_TRANSFER));
        }
        slots = new Transfer[device.queueDepth()];
        for (int i = 0; i < slots.length; i++) freeSlots.addLast(slots[i] = new Transfer(i));
        buffers = new BufferPool(device, blockSize);
        return Optional.empty();
    }

    /** What the driver serves, for {@code lsdrv} and tests. */
    public String description() {
        return device == null ? "no device" : device.description();
    }

    @Override
    public int maxInFlight() {
        return device == null ? 1 : device.queueDepth();
    }

    @Override
    public void submit(DriverRequest request, Reply reply) {
        if (device == null) {
            reply.answer(DriverResponse.failed(DriverError.Code.UNAVAILABLE, "the block device is not open"));
            return;
        }
        byte[] p = request.payload();
        switch (request.operation()) {
            case "size" -> reply.answer(DriverResponse.ok(ByteBuffer.allocate(12).putLong(device.blockCount()).putInt(blockSize).array()));
            case "read" -> read(p, reply);
            case "write" -> write(p, reply);
            case "flush" -> start(reply, false, true, null, 0, null);
            case "readv" -> readv(p, reply);
            case "stats" -> reply.answer(DriverResponse.ok(("reads=" + reads + " writes=" + writes + " flushes=" + flushes + " bytes-read="
                    + bytesRead + " bytes-written=" + bytesWritten + " device=" + device.description()).getBytes(StandardCharsets.UTF_8)));
            default -> reply.answer(DriverResponse.failed(DriverError.Code.NOT_SUPPORTED, "block has no operation '" + request.operation()
                    + "' (size, read, write, flush, readv, stats)"));
        }
    }

    private void read(byte[] p, Reply reply) {
        if (p.length != 12) {
            reply.answer(invalid("read takes offset (8 bytes) and length (4 bytes), got " + p.length + " bytes"));
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(p);
        long offset = b.getLong();
        int length = b.getInt();
        Optional<DriverResponse> bad = checkRange("read", offset, length);
        if (bad.isPresent()) reply.answer(bad.get());
        else start(reply, true, false, new long[] {offset}, length, null);
    }

    private void write(byte[] p, Reply reply) {
        if (p.length < 8) {
            reply.answer(invalid("write takes offset (8 bytes) then the data, got " + p.length + " bytes"));
            return;
        }
        long offset = ByteBuffer.wrap(p).getLong();
        int length = p.length - 8;
        Optional<DriverResponse> bad = checkRange("write", offset, length);
        if (bad.isPresent()) reply.answer(bad.get());
        else start(reply, false, false, new long[] {offset}, length, p);
    }

    private void readv(byte[] p, Reply reply) {
        int n = p.length / 8;
        if (p.length == 0 || p.length % 8 != 0) {
            reply.answer(invalid("readv takes one or more 8-byte block offsets, got " + p.length + " bytes"));
            return;
        }
        if ((long) n * blockSize > BlockProtocol.MAX_TRANSFER) {
            reply.answer(invalid("readv of " + n + " blocks is more than " + BlockProtocol.MAX_TRANSFER + " bytes in one request"));
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(p);
        long[] offsets = new long[n];
        for (int i = 0; i < n; i++) {
            offsets[i] = b.getLong();
            Optional<DriverResponse> bad = checkRange("readv block #" + i, offsets[i], blockSize);
            if (bad.isPresent()) { // checked before anything is queued
                reply.answer(bad.get());
                return;
            }
        }
        start(reply, true, false, offsets, blockSize, null);
    }

    /**
     * Takes a slot and a buffer for a checked request (the host hands over at most
     * {@link #maxInFlight()} requests, one slot each) and queues what the ring has room for.
     */
    private void start(Reply reply, boolean read, boolean flush, long[] offsets, int opLength, byte[] writePayload) {
        Transfer t = freeSlots.pollFirst();
        if (t == null) { // the host keeps to maxInFlight: a second host would be a bug worth saying
            reply.answer(DriverResponse.failed(DriverError.Code.BUSY, "block: " + slots.length + " requests already in flight"));
            return;
        }
        t.reply = reply;
        t.read = read;
        t.flush = flush;
        t.offsets = offsets;
        t.opLength = opLength;
        t.ops = flush ? 1 : offsets.length;
        t.queued = 0;
        t.completed = 0;
        t.failure = null;
        t.buffer = flush ? null : buffers.take(t.ops * opLength / blockSize);
        if (writePayload != null) t.buffer.put(0, writePayload, 8, opLength);
        waiting.addLast(t);
        queueWaiting();
    }

    /**
     * Queues the waiting transfers' operations, oldest first, while the ring has room, and submits
     * each as it is queued (taking back whatever completed meanwhile). One operation per submission,
     * as fio does: on a virtio disk, reads submitted in bursts came back in bursts, and random reads
     * at queue depth 32 ran at 81 % of fio's rate instead of level with it.
     */
    private void queueWaiting() {
        Transfer t;
        while ((t = waiting.peekFirst()) != null && device.outstanding() < device.queueDepth()) {
            long tag = ((long) t.slot << OP_BITS) | t.queued;
            Optional<BlockError> refused = t.flush ? device.queueFlush(tag)
                    : t.read ? device.queueRead(t.offsets[t.queued], t.buffer.slice(t.queued * t.opLength, t.opLength), tag)
                    : device.queueWrite(t.offsets[0], t.buffer.slice(0, t.opLength), tag);
            if (refused.isPresent()) {
                // No more of it is queued; it is answered once what is already queued is back.
                t.failure = refused.get();
                t.ops = t.queued;
                waiting.pollFirst();
                if (t.completed == t.ops) finish(t);
                continue;
            }
            if (++t.queued == t.ops) waiting.pollFirst();
            if (device.await(0, onCompletion) instanceof BlockDevice.Awaited.Failed f) {
                failRing(f.error());
                return;
            }
        }
    }

    @Override
    public void progress(boolean wait) {
        queueWaiting();
        if (device.outstanding() == 0) return;
        if (device.await(wait ? 1 : 0, onCompletion) instanceof BlockDevice.Awaited.Failed f) {
            failRing(f.error());
            return;
        }
        queueWaiting();
    }

    /**
     * The ring itself failed (closed, or io_uring_enter refused): nothing in flight will come back,
     * and the kernel may still write into the buffers, so they are not reused. Every request held
     * is answered with the error.
     */
    private void failRing(BlockError error) {
        for (Transfer t : slots) {
            if (t.reply != null) {
                t.buffer = null;
                t.failure = error;
                t.completed = t.ops;
                waiting.remove(t);
                finish(t);
            }
        }
    }

    private void completed(long tag, int result) {
        Transfer t = slots[(int) (tag >>> OP_BITS)];
        int op = (int) (tag & ((1 << OP_BITS) - 1));
        int expected = t.flush ? 0 : t.opLength;
        if (result != expected && t.failure == null) {
            String what = t.flush ? "flush" : (t.read ? (t.ops > 1 ? "readv block #" + op : "read") : "write") + " at " + t.offsets[t.read ? op : 0];
            t.failure = result < 0 ? BlockDevice.error(result, what)
                    : new BlockError(BlockError.Kind.SHORT_TRANSFER, what + ": " + result + " of " + expected + " bytes");
        }
        if (++t.completed == t.ops && t.queued >= t.ops) finish(t);
    }

    /** Every operation of {@code t} is back: answers its request and frees its slot and buffer. */
    private void finish(Transfer t) {
        Reply reply = t.reply;
        DriverResponse response;
        if (t.failure != null) {
            response = failed(t.failure);
        } else if (t.flush) {
            flushes++;
            response = DriverResponse.ok(new byte[0]);
        } else if (t.read) {
            int length = t.ops * t.opLength;
            reads += t.ops;
            bytesRead += length;
            response = DriverResponse.okFrom(t.buffer.slice(0, length)); // one copy, into the answer
        } else {
            writes++;
            bytesWritten += t.opLength;
            response = DriverResponse.ok(ByteBuffer.allocate(8).putLong(t.opLength).array());
        }
        if (t.buffer != null) buffers.give(t.buffer);
        t.buffer = null;
        t.reply = null;
        t.offsets = null;
        freeSlots.addLast(t);
        reply.answer(response);
    }

    /** The protocol's rules, checked before the device sees the request, with the rule in the message. */
    private Optional<DriverResponse> checkRange(String op, long offset, int length) {
        if (offset < 0 || offset % blockSize != 0) {
            return Optional.of(invalid(op + ": misaligned offset " + offset + " (must be a multiple of the " + blockSize + "-byte block)"));
        }
        if (length <= 0 || length % blockSize != 0) {
            return Optional.of(invalid(op + ": misaligned length " + length + " (must be a positive multiple of the " + blockSize + "-byte block)"));
        }
        if (length > BlockProtocol.MAX_TRANSFER) {
            return Optional.of(invalid(op + ": " + length + " bytes is more than " + BlockProtocol.MAX_TRANSFER + " in one request"));
        }
        if (offset > device.sizeBytes() - length) {
            return Optional.of(invalid(op + ": out of range: bytes " + offset + ".." + (offset + length) + " end past the device's "
                    + device.sizeBytes() + " bytes (" + device.blockCount() + " blocks)"));
        }
        return Optional.empty();
    }

    private static DriverResponse invalid(String message) {
        return DriverResponse.failed(DriverError.Code.INVALID_REQUEST, message);
    }

    private static DriverResponse failed(BlockError e) {
        DriverError.Code code = switch (e.kind()) {
            case MISALIGNED, OUT_OF_RANGE, NOT_DIRECT, READ_ONLY -> DriverError.Code.INVALID_REQUEST;
            case QUEUE_FULL, BUSY -> DriverError.Code.BUSY;
            case CLOSED -> DriverError.Code.UNAVAILABLE;
            case IO, SHORT_TRANSFER -> DriverError.Code.DEVICE_ERROR;
        };
        return DriverResponse.failed(code, e.kind() + ": " + e.message());
    }

    @Override
    public void cleanup() {
        if (device != null) device.close();
        device = null;
        buffers = null;
    }

    @Override
    public DriverCapabilities getCapabilities() {
        return new DriverCapabilities("block", Set.of("size", "read", "write", "flush", "readv", "stats"));
    }
}
