package dev.kosh.driver;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

import dev.kosh.driver.api.BlockAccess;
import dev.kosh.driver.api.BlockDevice;
import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.linux.IoUringBlockDevice;

/**
 * The block devices the kernel grants one driver, from its configuration ({@code block.file},
 * {@code block.size} in its {@code [driver]} section): the driver opens them by index through
 * {@link BlockAccess}, and the kernel — not the driver — opens the backing file and sets up the
 * ring. A new instance (after a restart) that opens a device again first closes the ring its
 * predecessor left open, so a crashed driver leaks nothing past its restart.
 */
public final class BlockGrant implements BlockAccess, AutoCloseable {
    /** The block size of every granted device. */
    public static final int BLOCK_SIZE = 4096;

    /** One backing: a file (created and extended to {@code sizeBytes}, or 0 to take the file's size), direct I/O policy, queue depth. */
    public record Backing(Path path, long sizeBytes, IoUringBlockDevice.DirectIo direct, int queueDepth) {
        public Backing {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(direct, "direct");
        }
    }

    private final String driver;
    private final List<Backing> backings;
    private final BlockDevice[] open;

    public BlockGrant(String driver, List<Backing> backings) {
        this.driver = Objects.requireNonNull(driver, "driver");
        this.backings = List.copyOf(backings);
        this.open = new BlockDevice[this.backings.size()];
    }

    public List<Backing> backings() {
        return backings;
    }

    @Override
    public int count() {
        return backings.size();
    }

    @Override
    public synchronized Grant open(int index) {
        if (index < 0 || index >= backings.size()) {
            return new Grant.Refused("driver " + driver + " was granted " + backings.size() + " block device(s); there is no #" + index);
        }
        if (open[index] != null) {
            open[index].close(); // left open by an instance that did not clean up
            open[index] = null;
        }
        Backing b = backings.get(index);
        return switch (IoUringBlockDevice.open(b.path(), b.sizeBytes(), BLOCK_SIZE, b.queueDepth(), b.direct())) {
            case HalResult.Ok<IoUringBlockDevice>(IoUringBlockDevice d) -> {
                open[index] = new RingBlockDevice(d);
                yield new Grant.Opened(open[index]);
            }
            case HalResult.Err<IoUringBlockDevice>(HalError e) -> new Grant.Refused(b.path() + ": " + e.message());
        };
    }

    /** Closes whatever the driver left open (at its final stop or the kernel's shutdown). */
    @Override
    public synchronized void close() {
        for (int i = 0; i < open.length; i++) {
            if (open[i] != null) open[i].close();
            open[i] = null;
        }
    }
}
