package dev.kosh.hal.x86_64;

import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.spi.HostRoot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPUID through Linux's {@code /dev/cpu/N/cpuid} (the {@code cpuid} module): a read of 16
 * bytes at file offset {@code (subleaf << 32) | leaf} returns EAX, EBX, ECX, EDX of that
 * leaf as executed on CPU N. Java cannot execute CPUID itself, and /proc/cpuinfo omits
 * the raw leaves.
 */
public final class CpuidDevice {

    /** EAX, EBX, ECX, EDX of one leaf. */
    public record Leaf(int eax, int ebx, int ecx, int edx) {}

    /** Executes one CPUID leaf; the device file in production, a table in tests. */
    @FunctionalInterface
    public interface LeafReader {
        HalResult<Leaf> read(int leaf, int subleaf);
    }

    private final LeafReader reader;

    private CpuidDevice(LeafReader reader) {
        this.reader = reader;
    }

    /**
     * Decodes leaves from any source. The device file cannot be faked by a regular file:
     * its offsets are leaf numbers, not byte positions, so adjacent leaves would overlap.
     */
    public static CpuidDevice of(LeafReader reader) {
        return new CpuidDevice(reader);
    }

    public static Path path(HostRoot root, int cpu) {
        return root.dev("cpu/" + cpu + "/cpuid");
    }

    /** Runs {@code reader} with CPU {@code cpu}'s device open. Errors: NotFound, AccessDenied, IoFailure. */
    public static <T> HalResult<T> with(HostRoot root, int cpu, java.util.function.Function<CpuidDevice, HalResult<T>> reader) {
        Path p = path(root, cpu);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            return reader.apply(new CpuidDevice((leaf, subleaf) -> readLeaf(ch, leaf, subleaf)));
        } catch (NoSuchFileException e) {
            return HalResult.err(new HalError.NotFound(root.display(p) + " (cpuid module not loaded)"));
        } catch (AccessDeniedException e) {
            return HalResult.err(new HalError.AccessDenied(root.display(p), "needs root"));
        } catch (IOException e) {
            return HalResult.err(new HalError.IoFailure(root.display(p), String.valueOf(e.getMessage())));
        }
    }

    public HalResult<Leaf> leaf(int leaf, int subleaf) {
        return reader.read(leaf, subleaf);
    }

    private static HalResult<Leaf> readLeaf(FileChannel channel, int leaf, int subleaf) {
        ByteBuffer buf = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        long position = ((long) subleaf << 32) | Integer.toUnsignedLong(leaf);
        try {
            int total = 0;
            while (total < 16) {
                int n = channel.read(buf, position + total);
                if (n <= 0) {
                    return HalResult.err(new HalError.Malformed("cpuid leaf " + Integer.toHexString(leaf), 0,
                            "short read of " + total + " bytes"));
                }
                total += n;
            }
        } catch (IOException e) {
            // The driver answers EIO for a leaf the CPU does not implement on some kernels.
            return HalResult.err(new HalError.IoFailure("cpuid leaf " + Integer.toHexString(leaf), String.valueOf(e.getMessage())));
        }
        buf.flip();
        return HalResult.ok(new Leaf(buf.getInt(), buf.getInt(), buf.getInt(), buf.getInt()));
    }

    /**
     * Decodes the identification leaves: vendor and maximum leaf (0), family/model/stepping
     * (1, with the extended fields folded in as the SDM prescribes), the brand string
     * (0x80000002..4). Keys are prefixed {@code cpuid.}.
     */
    public HalResult<Map<String, String>> identify() {
        Map<String, String> out = new TreeMap<>();
        return leaf(0, 0).flatMap(l0 -> {
            out.put("cpuid.maxLeaf", "0x" + Integer.toHexString(l0.eax()));
            out.put("cpuid.vendor", ascii(l0.ebx(), l0.edx(), l0.ecx()));
            if (Integer.compareUnsigned(l0.eax(), 1) >= 0) {
                var l1 = leaf(1, 0);
                if (l1 instanceof HalResult.Err<Leaf>(HalError e)) return HalResult.err(e);
                int eax = l1.orElseThrow().eax();
                int family = (eax >>> 8) & 0xf, model = (eax >>> 4) & 0xf;
                int displayFamily = family == 0xf ? family + ((eax >>> 20) & 0xff) : family;
                int displayModel = family == 0x6 || family == 0xf ? (((eax >>> 16) & 0xf) << 4) + model : model;
                out.put("cpuid.family", Integer.toString(displayFamily));
                out.put("cpuid.model", Integer.toString(displayModel));
                out.put("cpuid.stepping", Integer.toString(eax & 0xf));
            }
            var ext = leaf(0x8000_0000, 0);
            if (ext instanceof HalResult.Ok<Leaf>(Leaf e) && Integer.compareUnsigned(e.eax(), 0x8000_0004) >= 0) {
                StringBuilder brand = new StringBuilder();
                for (int l = 0x8000_0002; l <= 0x8000_0004; l++) {
                    var r = leaf(l, 0);
                    if (r instanceof HalResult.Err<Leaf>(HalError err)) return HalResult.err(err);
                    Leaf b = r.orElseThrow();
                    brand.append(ascii(b.eax(), b.ebx(), b.ecx(), b.edx()));
                }
                out.put("cpuid.brand", brand.toString().strip());
            }
            return HalResult.ok(out);
        });
    }

    private static String ascii(int... regs) {
        ByteBuffer b = ByteBuffer.allocate(4 * regs.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int r : regs) b.putInt(r);
        String s = new String(b.array(), StandardCharsets.US_ASCII);
        int nul = s.indexOf('\0');
        return nul < 0 ? s : s.substring(0, nul);
    }
}
