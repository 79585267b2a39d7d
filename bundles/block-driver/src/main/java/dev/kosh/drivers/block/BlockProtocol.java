package dev.kosh.drivers.block;

import java.nio.ByteBuffer;

import dev.kosh.driver.api.DriverRequest;

/**
 * The block driver's request encoding (big-endian), for clients and tests. Reads, {@code readv},
 * {@code size} and {@code flush} are idempotent (safe to replay after a driver restart); so is a
 * write (the same bytes to the same place), which a client marks as it sees fit.
 */
public final class BlockProtocol {
    /** Most bytes one request moves: the driver's staging buffer. */
    public static final int MAX_TRANSFER = 1 << 20;

    private BlockProtocol() {}

    public static DriverRequest size() {
        return new DriverRequest("size", null, true);
    }

    public static DriverRequest read(long offset, int length) {
        return new DriverRequest("read", ByteBuffer.allocate(12).putLong(offset).putInt(length).array(), true);
    }

    public static DriverRequest write(long offset, byte[] data, boolean idempotent) {
        return new DriverRequest("write", ByteBuffer.allocate(8 + data.length).putLong(offset).put(data).array(), idempotent);
    }

    public static DriverRequest flush() {
        return new DriverRequest("flush", null, true);
    }

    /** One block at each offset, all submitted to the device together. */
    public static DriverRequest readv(long... offsets) {
        ByteBuffer b = ByteBuffer.allocate(8 * offsets.length);
        for (long o : offsets) b.putLong(o);
        return new DriverRequest("readv", b.array(), true);
    }
}
