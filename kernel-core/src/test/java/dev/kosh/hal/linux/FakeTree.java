package dev.kosh.hal.linux;

import dev.kosh.hal.spi.HostRoot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes an invented procfs/sysfs/dev tree under a temporary directory. */
final class FakeTree {
    final Path root;

    FakeTree(Path root) {
        this.root = root;
    }

    HostRoot host() {
        return HostRoot.at(root);
    }

    FakeTree file(String relative, String content) {
        try {
            Path p = root.resolve(relative);
            Files.createDirectories(p.getParent());
            Files.writeString(p, content);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    FakeTree dir(String relative) {
        try {
            Files.createDirectories(root.resolve(relative));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    FakeTree link(String relative, String target) {
        try {
            Path p = root.resolve(relative);
            Files.createDirectories(p.getParent());
            Files.createSymbolicLink(p, Path.of(target));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A PCI function directory as sysfs lays it out. */
    FakeTree pci(String bdf, String vendor, String device, String klass, String resource, String driver) {
        String d = "sys/bus/pci/devices/" + bdf + "/";
        file(d + "vendor", vendor + "\n").file(d + "device", device + "\n").file(d + "class", klass + "\n")
                .file(d + "subsystem_vendor", vendor + "\n").file(d + "subsystem_device", "0x1100\n")
                .file(d + "revision", "0x01\n").file(d + "irq", "11\n").file(d + "resource", resource);
        if (driver != null) link(d + "driver", "../../../bus/pci/drivers/" + driver);
        return this;
    }

    static final String NO_BARS = "0x0000000000000000 0x0000000000000000 0x0000000000000000\n".repeat(7);

    static String bar0(long start, long length, long flags) {
        return String.format("0x%016x 0x%016x 0x%016x\n", start, start + length - 1, flags)
                + "0x0000000000000000 0x0000000000000000 0x0000000000000000\n".repeat(6);
    }
}
