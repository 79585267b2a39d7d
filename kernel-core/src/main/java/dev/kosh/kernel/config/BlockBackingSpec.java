package dev.kosh.kernel.config;

import java.util.Objects;

/**
 * The block device a {@code [driver]} section grants its driver: {@code block.file} (a path; a
 * relative one is relative to the configuration file), {@code block.size} (bytes, a multiple of
 * 4096; 0 = the file's present size; the file is created or extended to it, never shortened),
 * {@code block.direct} ({@code auto}: O_DIRECT when the file system allows it, {@code on}: O_DIRECT
 * or the driver does not start, {@code off}: buffered) and {@code block.queue-depth} (1..4096, the
 * io_uring ring's entries; default 32).
 */
public record BlockBackingSpec(String file, long sizeBytes, Direct direct, int queueDepth) {
    public enum Direct { AUTO, ON, OFF }

    public static final int DEFAULT_QUEUE_DEPTH = 32;

    public BlockBackingSpec {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(direct, "direct");
    }
}
