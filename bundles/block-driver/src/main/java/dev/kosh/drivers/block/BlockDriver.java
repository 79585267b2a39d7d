package dev.kosh.drivers.block;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;

import dev.kosh.driver.api.BlockAccess;
import dev.kosh.driver.api.BlockDevice;
import dev.kosh.driver.api.BlockError;
import dev.kosh.driver.api.DriverCapabilities;
import dev.kosh.driver.api.DriverContext;
import dev.kosh.driver.api.DriverError;
import dev.kosh.driver.api.DriverRequest;
import dev.kosh.driver.api.DriverResponse;
import dev.kosh.driver.api.KoshDriver;

/**
 * The block storage driver: serves the first block device the kernel granted it (a file named in
 * its {@code [driver]} section, read and written through the HAL's io_uring ring). Requests, with
 * every number big-endian (see {@link BlockProtocol}):
 *
 * <ul>
 *   <li>{@code size} → block count (8 bytes), block size (4 bytes);
 *   <li>{@code read} offset(8) length(4) → the bytes;
 *   <li>{@code write} offset(8) data → bytes written (8), once the device took them;
 *   <li>{@code flush} → nothing, once every write before it is on stable storage;
 *   <li>{@code readv} offset(8) × n → n blocks, all n submitted together (queue depth n, up to the
 *       ring's) — how a client gets a deep queue through a driver served one request at a time;
 *   <li>{@code stats} → a line of counters.
 * </ul>
 *
 * Offsets and lengths are whole blocks, at most {@link BlockProtocol#MAX_TRANSFER} per request;
 * anything else is refused with {@code INVALID_REQUEST} saying which rule it broke. The device's
 * own failures are {@code DEVICE_ERROR}s. Served one request at a time (the driver host's
 * contract), so the staging buffer needs no lock.
 */
public final class BlockDriver implements KoshDriver {
    private BlockDevice device;
    private ByteBuffer staging;
    private int blockSize;
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
        staging = device.allocate(BlockProtocol.MAX_TRANSFER / blockSize);
        return Optional.empty();
    }

    /** What the driver serves, for {@code lsdrv} and tests. */
    public String description() {
        return device == null ? "no device" : device.description();
    }

    @Override
    public DriverResponse handleRequest(DriverRequest request) {
        if (device == null) return DriverResponse.failed(DriverError.Code.UNAVAILABLE, "the block device is not open");
        byte[] p = request.payload();
        return switch (request.operation()) {
            case "size" -> DriverResponse.ok(ByteBuffer.allocate(12).putLong(device.blockCount()).putInt(blockSize).array());
            case "read" -> read(p);
            case "write" -> write(p);
            case "flush" -> flush();
            case "readv" -> readv(p);
            case "stats" -> DriverResponse.ok(("reads=" + reads + " writes=" + writes + " flushes=" + flushes + " bytes-read=" + bytesRead
                    + " bytes-written=" + bytesWritten + " device=" + device.description()).getBytes(StandardCharsets.UTF_8));
            default -> DriverResponse.failed(DriverError.Code.NOT_SUPPORTED, "block has no operation '" + request.operation()
                    + "' (size, read, write, flush, readv, stats)");
        };
    }

    private DriverResponse read(byte[] p) {
        if (p.length != 12) return invalid("read takes offset (8 bytes) and length (4 bytes), got " + p.length + " bytes");
        ByteBuffer b = ByteBuffer.wrap(p);
        long offset = b.getLong();
        int length = b.getInt();
        Optional<DriverResponse> bad = checkRange("read", offset, length);
        if (bad.isPresent()) return bad.get();
        Optional<BlockError> e = device.read(offset, staging.slice(0, length));
        if (e.isPresent()) return failed(e.get());
        reads++;
        bytesRead += length;
        return DriverResponse.ok(bytes(length));
    }

    private DriverResponse write(byte[] p) {
        if (p.length < 8) return invalid("write takes offset (8 bytes) then the data, got " + p.length + " bytes");
        long offset = ByteBuffer.wrap(p).getLong();
        int length = p.length - 8;
        Optional<DriverResponse> bad = checkRange("write", offset, length);
        if (bad.isPresent()) return bad.get();
        staging.put(0, p, 8, length);
        Optional<BlockError> e = device.write(offset, staging.slice(0, length));
        if (e.isPresent()) return failed(e.get());
        writes++;
        bytesWritten += length;
        return DriverResponse.ok(ByteBuffer.allocate(8).putLong(length).array());
    }

    private DriverResponse flush() {
        Optional<BlockError> e = device.flush();
        if (e.isPresent()) return failed(e.get());
        flushes++;
        return DriverResponse.ok(new byte[0]);
    }

    private DriverResponse readv(byte[] p) {
        int n = p.length / 8;
        if (p.length == 0 || p.length % 8 != 0) return invalid("readv takes one or more 8-byte block offsets, got " + p.length + " bytes");
        if ((long) n * blockSize > BlockProtocol.MAX_TRANSFER) {
            return invalid("readv of " + n + " blocks is more than " + BlockProtocol.MAX_TRANSFER + " bytes in one request");
        }
        ByteBuffer b = ByteBuffer.wrap(p);
        long[] offsets = new long[n];
        for (int i = 0; i < n; i++) {
            offsets[i] = b.getLong();
            Optional<DriverResponse> bad = checkRange("readv block #" + i, offsets[i], blockSize);
            if (bad.isPresent()) return bad.get(); // checked before anything is queued
        }
        int[] failedResult = {0};
        long[] failedTag = {-1};
        BlockDevice.Completion onDone = (tag, result) -> {
            if (result != blockSize && failedTag[0] < 0) {
                failedTag[0] = tag;
                failedResult[0] = result;
            }
        };
        int next = 0;
        while (next < n || device.outstanding() > 0) {
            // Keep the ring as full as its depth allows; wait for one completion when it is full.
            while (next < n && device.outstanding() < device.queueDepth()) {
                Optional<BlockError> e = device.queueRead(offsets[next], staging.slice(next * blockSize, blockSize), next);
                if (e.isPresent()) {
                    drain(onDone);
                    return failed(e.get());
                }
                next++;
            }
            if (device.await(next < n ? 1 : device.outstanding(), onDone) instanceof BlockDevice.Awaited.Failed f) {
                return failed(f.error());
            }
        }
        if (failedTag[0] >= 0) {
            int i = (int) failedTag[0];
            return failed(failedResult[0] < 0 ? BlockDevice.error(failedResult[0], "readv block #" + i + " at " + offsets[i])
                    : new BlockError(BlockError.Kind.SHORT_TRANSFER, "readv block #" + i + ": " + failedResult[0] + " of " + blockSize + " bytes"));
        }
        reads += n;
        bytesRead += (long) n * blockSize;
        return DriverResponse.ok(bytes(n * blockSize));
    }

    private byte[] bytes(int length) {
        byte[] out = new byte[length];
        staging.get(0, out);
        return out;
    }

    private void drain(BlockDevice.Completion onDone) {
        if (device.outstanding() > 0) device.await(device.outstanding(), onDone);
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
        staging = null;
    }

    @Override
    public DriverCapabilities getCapabilities() {
        return new DriverCapabilities("block", Set.of("size", "read", "write", "flush", "readv", "stats"));
    }
}
