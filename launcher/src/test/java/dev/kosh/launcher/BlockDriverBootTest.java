package dev.kosh.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.kosh.driver.api.DriverError;
import dev.kosh.driver.api.DriverRequest;
import dev.kosh.driver.api.DriverResponse;

/**
 * The block driver in a booted kernel: its [driver] section grants it a backing file (a relative
 * path, next to the configuration file), the jar is installed with {@code insdrv} like any driver,
 * and clients' requests reach the file through the OSGi-loaded driver and the kernel's io_uring ring.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BlockDriverBootTest {
    private static final int BS = 4096;

    @TempDir
    Path dir;

    static Path blockDriverJar() throws IOException {
        try (Stream<Path> jars = Files.list(Path.of("../bundles/block-driver/target"))) {
            return jars.filter(p -> p.getFileName().toString().matches("block-driver-[^-]+(-SNAPSHOT)?\\.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("build bundles/block-driver first"));
        }
    }

    @Test
    void aConfiguredBlockDriverServesItsBackingFileAfterInsdrv() throws Exception {
        Path conf = dir.resolve("system.conf");
        Files.writeString(conf, "[driver block]\nbundle = dev.kosh.driver.block\ncapabilities = log\n"
                + "block.file = disk.img\nblock.size = 1M\nblock.direct = auto\nblock.queue-depth = 8\n");
        try (KernelFixture k = new KernelFixture(dir.resolve("data"), dev.kosh.kernel.config.ConfigParser.parse(conf))) {
            Path disk = dir.resolve("disk.img");
            // At boot the section is read and the device granted; the driver itself arrives with insdrv.
            assertTrue(k.console().contains("failed [block: no bundle named dev.kosh.driver.block is installed]"), k.console());
            String printed = k.shell("insdrv " + blockDriverJar(), true);
            assertTrue(printed.startsWith("driver block running as pid "), printed);
            assertEquals(1 << 20, Files.size(disk), "the kernel made the backing file at its configured size");

            byte[] data = new byte[3 * BS];
            new Random(1).nextBytes(data);
            byte[] write = ByteBuffer.allocate(8 + data.length).putLong(5L * BS).put(data).array();
            ok(k, new DriverRequest("write", write, true));
            ok(k, new DriverRequest("flush", null, true));
            byte[] read = ok(k, new DriverRequest("read", ByteBuffer.allocate(12).putLong(5L * BS).putInt(3 * BS).array(), true));
            assertArrayEquals(data, read);
            assertArrayEquals(data, Arrays.copyOfRange(Files.readAllBytes(disk), 5 * BS, 8 * BS), "the bytes are in the file");

            DriverResponse bad = k.kernel.drivers().call("block", new DriverRequest("read", ByteBuffer.allocate(12).putLong(256L * BS).putInt(BS).array(), true),
                    Duration.ofSeconds(5)).orThrow();
            DriverError e = assertInstanceOf(DriverResponse.Failed.class, bad).error();
            assertEquals(DriverError.Code.INVALID_REQUEST, e.code());
            assertTrue(e.message().contains("out of range"), e.message());
            assertTrue(k.shell("lsdrv", true).contains("block"));
        }
    }

    private static byte[] ok(KernelFixture k, DriverRequest r) throws InterruptedException {
        DriverResponse resp = k.kernel.drivers().call("block", r, Duration.ofSeconds(5)).orThrow();
        return switch (resp) {
            case DriverResponse.Ok ok -> ok.payload();
            case DriverResponse.Failed f -> throw new AssertionError(r.operation() + ": " + f.error().message());
        };
    }
}
