package dev.kosh.hal.spi;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the underlay's files are: {@code /} on the live host, a temporary directory holding
 * a captured or invented tree in tests. Providers resolve every host path through this,
 * and perform system calls that a fake tree cannot answer (io_uring, eventfd) only when
 * {@link #isLive()}.
 */
public record HostRoot(Path root) {

    private static final Path LIVE = Path.of("/");

    public HostRoot {
        Objects.requireNonNull(root, "root");
    }

    public static HostRoot live() {
        return new HostRoot(LIVE);
    }

    public static HostRoot at(Path root) {
        return new HostRoot(root);
    }

    public boolean isLive() {
        return root.toAbsolutePath().normalize().equals(LIVE);
    }

    /** {@code proc/...} under the root. */
    public Path proc(String relative) {
        return root.resolve("proc").resolve(relative);
    }

    /** {@code sys/...} under the root. */
    public Path sys(String relative) {
        return root.resolve("sys").resolve(relative);
    }

    /** {@code dev/...} under the root. */
    public Path dev(String relative) {
        return root.resolve("dev").resolve(relative);
    }

    /** The path as it would read on the live host, for messages ("/proc/cpuinfo"). */
    public String display(Path p) {
        return "/" + root.relativize(p).toString().replace('\\', '/');
    }
}
