package dev.kosh.hal.arm64;

import dev.kosh.hal.spi.HostRoot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An arm64 host tree in a temporary directory: /proc/cpuinfo and /proc/iomem as QEMU's
 * {@code virt} machine with Cortex-A72 cores shows them, and its device tree as Linux
 * unpacks it into {@code /proc/device-tree}.
 */
final class FakeArm64Host {
    final Path root;

    FakeArm64Host(Path root) {
        this.root = root;
    }

    HostRoot host() {
        return HostRoot.at(root);
    }

    static String captured(String name) {
        try (InputStream in = FakeArm64Host.class.getResourceAsStream("/captured/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    FakeArm64Host file(String relative, byte[] content) {
        try {
            Path p = root.resolve(relative);
            Files.createDirectories(p.getParent());
            Files.write(p, content);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    FakeArm64Host text(String relative, String content) {
        return file(relative, content.getBytes(StandardCharsets.UTF_8));
    }

    /** A device-tree property of big-endian 32-bit cells. */
    static byte[] cells(long... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length);
        for (long v : values) b.putInt((int) v);
        return b.array();
    }

    /** A device-tree string list: each string NUL-terminated. */
    static byte[] strings(String... values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String v : values) {
            out.writeBytes(v.getBytes(StandardCharsets.UTF_8));
            out.write(0);
        }
        return out.toByteArray();
    }

    FakeArm64Host dt(String node, String property, byte[] value) {
        return file("proc/device-tree/" + (node.isEmpty() ? "" : node + "/") + property, value);
    }

    static FakeArm64Host standard(Path root) {
        FakeArm64Host h = new FakeArm64Host(root)
                .text("proc/cpuinfo", captured("qemu-virt-a72-cpuinfo.txt"))
                .text("proc/iomem", captured("qemu-virt-iomem.txt"))
                .text("proc/sys/kernel/io_uring_disabled", "0\n");
        h.dt("", "compatible", strings("linux,dummy-virt"))
                .dt("", "#address-cells", cells(2)).dt("", "#size-cells", cells(2))
                .dt("memory@40000000", "device_type", strings("memory"))
                .dt("memory@40000000", "reg", cells(0, 0x4000_0000L, 0, 0x8000_0000L))
                .dt("pl011@9000000", "compatible", strings("arm,pl011", "arm,primecell"))
                .dt("pl011@9000000", "reg", cells(0, 0x0900_0000L, 0, 0x1000))
                .dt("pl031@9010000", "compatible", strings("arm,pl031", "arm,primecell"))
                .dt("pl031@9010000", "reg", cells(0, 0x0901_0000L, 0, 0x1000))
                .dt("pl061@9030000", "compatible", strings("arm,pl061", "arm,primecell"))
                .dt("pl061@9030000", "reg", cells(0, 0x0903_0000L, 0, 0x1000))
                .dt("pl061@9030000", "status", strings("disabled"))
                .dt("cpus", "#address-cells", cells(1)).dt("cpus", "#size-cells", cells(0))
                .dt("cpus/cpu@0", "compatible", strings("arm,cortex-a72"))
                .dt("cpus/cpu@0", "reg", cells(0))
                .dt("chosen", "stdout-path", strings("/pl011@9000000"));
        String d = "sys/bus/pci/devices/0000:00:01.0/";
        h.text(d + "vendor", "0x1af4\n").text(d + "device", "0x1000\n").text(d + "class", "0x020000\n")
                .text(d + "irq", "37\n")
                .text(d + "resource", "0x0000000010001000 0x000000001000101f 0x0000000000040101\n"
                        + "0x0000008000000000 0x0000008000003fff 0x000000000014220c\n"
                        + "0x0000000000000000 0x0000000000000000 0x0000000000000000\n".repeat(5));
        return h;
    }
}
