package dev.kosh.hal.x86_64;

import dev.kosh.hal.spi.HostRoot;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An x86-64 host tree in a temporary directory, from files captured on this workplace's
 * host (an AMD EPYC VM with virtio PCI devices) plus the QEMU {@code edu} device.
 */
final class FakeX86Host {
    final Path root;

    FakeX86Host(Path root) {
        this.root = root;
    }

    HostRoot host() {
        return HostRoot.at(root);
    }

    static String captured(String name) {
        try (InputStream in = FakeX86Host.class.getResourceAsStream("/captured/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    FakeX86Host file(String relative, String content) {
        try {
            Path p = root.resolve(relative);
            Files.createDirectories(p.getParent());
            Files.writeString(p, content);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The captured host: cpuinfo, e820 table, iomem, two PCI functions, a platform device. */
    static FakeX86Host standard(Path root) {
        FakeX86Host h = new FakeX86Host(root).file("proc/cpuinfo", captured("amd-epyc-cpuinfo.txt"))
                .file("proc/iomem", captured("iomem.txt"))
                .file("proc/sys/kernel/io_uring_disabled", "0\n");
        String[][] memmap = {{"0x0", "0x9fbff", "System RAM"}, {"0x9fc00", "0xfffff", "Reserved"},
                {"0x100000", "0xbfffffff", "System RAM"}, {"0xeec00000", "0xfebfffff", "Reserved"},
                {"0x100000000", "0x63fffffff", "System RAM"}};
        for (int i = 0; i < memmap.length; i++) {
            h.file("sys/firmware/memmap/" + i + "/start", memmap[i][0] + "\n")
                    .file("sys/firmware/memmap/" + i + "/end", memmap[i][1] + "\n")
                    .file("sys/firmware/memmap/" + i + "/type", memmap[i][2] + "\n");
        }
        String zero = "0x0000000000000000 0x0000000000000000 0x0000000000000000\n";
        h.pci("0000:00:00.0", "0x8086", "0x0d57", "0x060000", zero.repeat(7));
        h.pci("0000:00:03.0", "0x1af4", "0x1041", "0x020000",
                "0x0000004000100000 0x000000400017ffff 0x0000000000140204\n" + zero.repeat(6));
        h.pci("0000:00:04.0", "0x1234", "0x11e8", "0x00ff00",
                "0x00000000fea00000 0x00000000feafffff 0x0000000000040200\n" + zero.repeat(6));
        h.file("sys/bus/platform/devices/serial8250/modalias", "platform:serial8250\n");
        h.file("sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "0\n");
        return h;
    }

    FakeX86Host pci(String bdf, String vendor, String device, String klass, String resource) {
        String d = "sys/bus/pci/devices/" + bdf + "/";
        return file(d + "vendor", vendor + "\n").file(d + "device", device + "\n").file(d + "class", klass + "\n")
                .file(d + "irq", "0\n").file(d + "resource", resource);
    }

    static int chars(String four) {
        byte[] b = four.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }
}
