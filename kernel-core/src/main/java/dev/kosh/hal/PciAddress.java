package dev.kosh.hal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A PCI function's address: domain, bus, device (slot) and function, as in {@code 0000:00:1f.3}. */
public record PciAddress(int domain, int bus, int device, int function) implements Comparable<PciAddress> {

    private static final Pattern BDF = Pattern.compile("([0-9a-fA-F]{4,8}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\\.([0-7])");

    public PciAddress {
        if (domain < 0 || domain > 0xffff_ffffL || bus < 0 || bus > 0xff || device < 0 || device > 0x1f
                || function < 0 || function > 7) {
            throw new IllegalArgumentException("PCI address out of range: " + domain + ":" + bus + ":" + device + "." + function);
        }
    }

    /** Parses the sysfs spelling; a name that is not a BDF is an error the caller reports. */
    public static HalResult<PciAddress> parse(String text) {
        Matcher m = BDF.matcher(text);
        if (!m.matches()) {
            return HalResult.err(new HalError.Malformed("PCI address '" + text + "'", 0, "expected DDDD:BB:SS.F"));
        }
        int slot = Integer.parseInt(m.group(3), 16);
        if (slot > 0x1f) {
            return HalResult.err(new HalError.Malformed("PCI address '" + text + "'", 0, "slot above 0x1f"));
        }
        return HalResult.ok(new PciAddress((int) Long.parseLong(m.group(1), 16), Integer.parseInt(m.group(2), 16),
                slot, Integer.parseInt(m.group(4))));
    }

    @Override
    public int compareTo(PciAddress o) {
        int c = Integer.compareUnsigned(domain, o.domain);
        if (c == 0) c = Integer.compare(bus, o.bus);
        if (c == 0) c = Integer.compare(device, o.device);
        if (c == 0) c = Integer.compare(function, o.function);
        return c;
    }

    @Override
    public String toString() {
        return String.format("%04x:%02x:%02x.%x", domain, bus, device, function);
    }
}
