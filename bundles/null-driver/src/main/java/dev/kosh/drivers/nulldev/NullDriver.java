package dev.kosh.drivers.nulldev;

import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.Set;

import dev.kosh.driver.api.DriverCapabilities;
import dev.kosh.driver.api.DriverError;
import dev.kosh.driver.api.DriverRequest;
import dev.kosh.driver.api.DriverResponse;
import dev.kosh.driver.api.KoshDriver;

/**
 * The null device: {@code write} swallows its payload and answers with the byte count (8 bytes,
 * big-endian); {@code read} answers with as many zero bytes as its 4-byte big-endian payload asks
 * for (at most 1 MiB); {@code stats} answers with the totals written and read.
 */
public final class NullDriver implements KoshDriver {
    static final int MAX_READ = 1 << 20;
    private long written;
    private long read;

    @Override
    public Optional<DriverError> init() {
        return Optional.empty();
    }

    @Override
    public DriverResponse handleRequest(DriverRequest request) {
        return switch (request.operation()) {
            case "write" -> {
                written += request.payloadLength();
                yield DriverResponse.ok(ByteBuffer.allocate(8).putLong(request.payloadLength()).array());
            }
            case "read" -> {
                if (request.payloadLength() != 4) {
                    yield DriverResponse.failed(DriverError.Code.INVALID_REQUEST, "read takes a 4-byte length");
                }
                int n = ByteBuffer.wrap(request.payload()).getInt();
                if (n < 0 || n > MAX_READ) {
                    yield DriverResponse.failed(DriverError.Code.INVALID_REQUEST, "read length must be 0.." + MAX_READ + ", was " + n);
                }
                read += n;
                yield DriverResponse.ok(new byte[n]);
            }
            case "stats" -> DriverResponse.ok(("written=" + written + " read=" + read).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            default -> DriverResponse.failed(DriverError.Code.NOT_SUPPORTED, "null has no operation '" + request.operation() + "'");
        };
    }

    @Override
    public void cleanup() {
        written = 0;
        read = 0;
    }

    @Override
    public DriverCapabilities getCapabilities() {
        return new DriverCapabilities("char", Set.of("read", "write", "stats"));
    }
}
