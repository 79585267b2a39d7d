package dev.kosh.hal.linux;

import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.spi.HostRoot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reading underlay files into typed results. procfs and sysfs files report a size of 0
 * or 4096 whatever they hold, so everything is read to the end rather than by size.
 */
public final class HostFiles {

    private HostFiles() {}

    /** The file's text. Errors: NotFound, AccessDenied, IoFailure — each naming the host path. */
    public static HalResult<String> read(HostRoot root, Path file) {
        try {
            return HalResult.ok(new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return HalResult.err(new HalError.NotFound(root.display(file)));
        } catch (AccessDeniedException e) {
            return HalResult.err(new HalError.AccessDenied(root.display(file), "read refused"));
        } catch (IOException e) {
            return HalResult.err(new HalError.IoFailure(root.display(file), String.valueOf(e.getMessage())));
        }
    }

    /** The file's first line, stripped, or empty when it cannot be read (optional attributes). */
    public static Optional<String> firstLine(Path file) {
        try {
            String s = Files.readString(file).strip();
            int nl = s.indexOf('\n');
            return Optional.of(nl < 0 ? s : s.substring(0, nl).strip());
        } catch (IOException e) {
            // An optional attribute that is missing or unreadable is simply not reported.
            return Optional.empty();
        }
    }

    /**
     * Parses a sysfs number: {@code 0x}-prefixed hex, or decimal. Unsigned 64-bit values
     * above {@link Long#MAX_VALUE} are refused, since no physical address reaches them.
     */
    public static OptionalLong parseNumber(String text) {
        String t = text.strip();
        try {
            long v;
            if (t.startsWith("0x") || t.startsWith("0X")) {
                v = Long.parseUnsignedLong(t.substring(2), 16);
            } else {
                v = Long.parseUnsignedLong(t);
            }
            return v < 0 ? OptionalLong.empty() : OptionalLong.of(v);
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Reads a file holding one number. Errors: as {@link #read}, or Malformed when it is not a number. */
    public static HalResult<Long> readNumber(HostRoot root, Path file) {
        return read(root, file).flatMap(s -> {
            OptionalLong v = parseNumber(s);
            return v.isPresent() ? HalResult.ok(v.getAsLong())
                    : HalResult.err(new HalError.Malformed(root.display(file), 1, "not a number: '" + s.strip() + "'"));
        });
    }

    /** The name a symbolic link points at (a device's driver), if it is one. */
    public static Optional<String> linkName(Path link) {
        try {
            if (!Files.isSymbolicLink(link)) return Optional.empty();
            Path target = Files.readSymbolicLink(link).getFileName();
            return target == null ? Optional.empty() : Optional.of(target.toString());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
