package dev.kosh.hal.arm64;

import dev.kosh.hal.DeviceScan;
import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.MemoryMap;
import dev.kosh.hal.MemoryRegion;
import dev.kosh.hal.PlatformDevice;
import dev.kosh.hal.RegionType;
import dev.kosh.hal.spi.HostRoot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The device tree as Linux exposes it: a directory per node, a file per property,
 * values in big-endian 32-bit cells, string lists NUL-separated. A node's {@code reg}
 * is read with its parent's {@code #address-cells}/{@code #size-cells} (2 and 1 when
 * absent, as the specification says).
 */
public final class DeviceTree {

    private final HostRoot root;
    private final Path base;

    private DeviceTree(HostRoot root, Path base) {
        this.root = root;
        this.base = base;
    }

    /** The tree under {@code /proc/device-tree}, else {@code /sys/firmware/devicetree/base}. */
    public static Optional<DeviceTree> find(HostRoot root) {
        for (Path p : List.of(root.proc("device-tree"), root.sys("firmware/devicetree/base"))) {
            if (Files.isDirectory(p)) return Optional.of(new DeviceTree(root, p));
        }
        return Optional.empty();
    }

    public String location() {
        return root.display(base);
    }

    /** Nodes other than the root with a {@code compatible} property and status "okay". */
    public DeviceScan<PlatformDevice> platformDevices() {
        List<PlatformDevice> devices = new ArrayList<>();
        List<HalError> rejected = new ArrayList<>();
        walk(base, 2, 1, devices, rejected);
        return new DeviceScan<>(devices, rejected);
    }

    private void walk(Path node, int addressCells, int sizeCells, List<PlatformDevice> out, List<HalError> rejected) {
        List<Path> children;
        try (Stream<Path> s = Files.list(node)) {
            children = s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            rejected.add(new HalError.IoFailure(root.display(node), String.valueOf(e.getMessage())));
            return;
        }
        var ac = cells(node, "#address-cells", 2);
        var sc = cells(node, "#size-cells", 1);
        if (ac instanceof HalResult.Err<Integer>(HalError e)) { rejected.add(e); return; }
        if (sc instanceof HalResult.Err<Integer>(HalError e)) { rejected.add(e); return; }
        for (Path child : children) {
            if (Files.exists(child.resolve("compatible")) && enabled(child)) {
                switch (device(child, ac.orElseThrow(), sc.orElseThrow())) {
                    case HalResult.Ok<PlatformDevice>(PlatformDevice d) -> out.add(d);
                    case HalResult.Err<PlatformDevice>(HalError e) -> rejected.add(e);
                }
            }
            walk(child, ac.orElseThrow(), sc.orElseThrow(), out, rejected);
        }
    }

    private HalResult<PlatformDevice> device(Path node, int ac, int sc) {
        List<String> compatible = strings(node.resolve("compatible"));
        return registers(node, ac, sc).map(regs -> new PlatformDevice(node.getFileName().toString(), compatible,
                regs, Optional.empty(), root.display(node)));
    }

    private boolean enabled(Path node) {
        List<String> status = strings(node.resolve("status"));
        return status.isEmpty() || status.getFirst().equals("okay") || status.getFirst().equals("ok");
    }

    /**
     * Decodes {@code reg} with the parent's cell counts. Three address cells (PCI) keep the
     * low two, which hold the address; more than that, or a length that is not a whole
     * number of entries, is malformed.
     */
    HalResult<List<PlatformDevice.Register>> registers(Path node, int ac, int sc) {
        Path reg = node.resolve("reg");
        if (!Files.exists(reg)) return HalResult.ok(List.of());
        if (ac < 1 || ac > 3 || sc > 2 || sc < 0) {
            return HalResult.err(new HalError.Malformed(root.display(reg), 0,
                    "#address-cells " + ac + " / #size-cells " + sc + " not supported"));
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(reg);
        } catch (IOException e) {
            return HalResult.err(new HalError.IoFailure(root.display(reg), String.valueOf(e.getMessage())));
        }
        int entry = 4 * (ac + sc);
        if (bytes.length == 0 || bytes.length % entry != 0) {
            return HalResult.err(new HalError.Malformed(root.display(reg), 0,
                    bytes.length + " bytes is not a multiple of " + entry + " (" + ac + " address + " + sc + " size cells)"));
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);   // big-endian, as the device tree is
        List<PlatformDevice.Register> regs = new ArrayList<>();
        while (b.hasRemaining()) {
            long addr = readCells(b, ac);
            long size = readCells(b, sc);
            if (addr < 0 || size < 0) {
                return HalResult.err(new HalError.Malformed(root.display(reg), 0, "address or size beyond 2^63"));
            }
            regs.add(new PlatformDevice.Register(addr, size));
        }
        return HalResult.ok(regs);
    }

    private static long readCells(ByteBuffer b, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v = (v << 32) | Integer.toUnsignedLong(b.getInt());
        }
        return v;
    }

    private HalResult<Integer> cells(Path node, String property, int dflt) {
        Path p = node.resolve(property);
        try {
            byte[] bytes = Files.readAllBytes(p);
            if (bytes.length != 4) {
                return HalResult.err(new HalError.Malformed(root.display(p), 0, "expected one 32-bit cell, got " + bytes.length + " bytes"));
            }
            return HalResult.ok(ByteBuffer.wrap(bytes).getInt());
        } catch (NoSuchFileException e) {
            return HalResult.ok(dflt);
        } catch (IOException e) {
            return HalResult.err(new HalError.IoFailure(root.display(p), String.valueOf(e.getMessage())));
        }
    }

    /** A NUL-separated string list; empty when the property is absent. */
    static List<String> strings(Path property) {
        try {
            String s = new String(Files.readAllBytes(property), StandardCharsets.UTF_8);
            return Stream.of(s.split("\0")).filter(x -> !x.isEmpty()).toList();
        } catch (IOException e) {
            // An absent property is an empty list, as in the specification.
            return List.of();
        }
    }

    /**
     * The memory map the boot loader put in the tree: {@code device_type = "memory"} nodes
     * as usable RAM, children of {@code /reserved-memory} as reserved.
     */
    public HalResult<MemoryMap> memoryMap() {
        var ac = cells(base, "#address-cells", 2);
        var sc = cells(base, "#size-cells", 1);
        if (ac instanceof HalResult.Err<Integer>(HalError e)) return HalResult.err(e);
        if (sc instanceof HalResult.Err<Integer>(HalError e)) return HalResult.err(e);
        List<MemoryRegion> raw = new ArrayList<>();
        List<Path> top;
        try (Stream<Path> s = Files.list(base)) {
            top = s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            return HalResult.err(new HalError.IoFailure(location(), String.valueOf(e.getMessage())));
        }
        for (Path node : top) {
            if (strings(node.resolve("device_type")).contains("memory")) {
                var regs = registers(node, ac.orElseThrow(), sc.orElseThrow());
                if (regs instanceof HalResult.Err<List<PlatformDevice.Register>>(HalError e)) return HalResult.err(e);
                for (var r : regs.orElseThrow()) {
                    if (r.length() > 0) raw.add(new MemoryRegion(r.start(), r.length(), RegionType.USABLE, "System RAM"));
                }
            }
        }
        Path reserved = base.resolve("reserved-memory");
        if (Files.isDirectory(reserved)) {
            var rac = cells(reserved, "#address-cells", ac.orElseThrow());
            var rsc = cells(reserved, "#size-cells", sc.orElseThrow());
            if (rac instanceof HalResult.Err<Integer>(HalError e)) return HalResult.err(e);
            if (rsc instanceof HalResult.Err<Integer>(HalError e)) return HalResult.err(e);
            try (Stream<Path> s = Files.list(reserved)) {
                for (Path child : s.filter(Files::isDirectory).sorted().toList()) {
                    var regs = registers(child, rac.orElseThrow(), rsc.orElseThrow());
                    if (regs instanceof HalResult.Err<List<PlatformDevice.Register>>(HalError e)) return HalResult.err(e);
                    for (var r : regs.orElseThrow()) {
                        if (r.length() > 0) raw.add(new MemoryRegion(r.start(), r.length(), RegionType.RESERVED,
                                child.getFileName().toString()));
                    }
                }
            } catch (IOException e) {
                return HalResult.err(new HalError.IoFailure(root.display(reserved), String.valueOf(e.getMessage())));
            }
        }
        if (raw.stream().noneMatch(r -> r.type() == RegionType.USABLE)) {
            return HalResult.err(new HalError.Malformed(location(), 0, "no memory node with a reg property"));
        }
        return HalResult.ok(MemoryMap.normalise(raw, location()));
    }
}
