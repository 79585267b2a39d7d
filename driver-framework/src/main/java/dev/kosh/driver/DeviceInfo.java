package dev.kosh.driver;

import java.util.List;
import java.util.Optional;

import dev.kosh.driver.api.DeviceResources;
import dev.kosh.driver.api.MmioWindow;

/**
 * A row of {@code lsdev}: a device, its ids and class, the Kosh driver bound to it (or
 * {@link #UNMATCHED}), the rule that won, drivers that tied with it, and its resources.
 *
 * @param hostDriver the underlay's (Linux) driver that owns the device, if any — a device the
 *                   host still drives cannot be reached by a Kosh driver yet
 */
public record DeviceInfo(String address, String ids, String deviceClass, String driver, String rule,
                         List<String> tiedWith, DeviceResources resources, Optional<String> hostDriver) {
    /** The {@code driver} of a device no driver matches. */
    public static final String UNMATCHED = "unmatched";

    public DeviceInfo {
        tiedWith = List.copyOf(tiedWith);
    }

    public boolean bound() {
        return !UNMATCHED.equals(driver);
    }

    /** One line for the shell: address, ids, class, driver, resources. */
    public String line() {
        StringBuilder r = new StringBuilder();
        for (MmioWindow w : resources.mmio()) {
            r.append(r.isEmpty() ? "" : " ").append("mmio").append(w.index()).append('=')
                    .append(String.format("%#x+%#x", w.start(), w.length()));
        }
        resources.ioPorts().forEach(p -> r.append(r.isEmpty() ? "" : " ").append("io").append(p.index()).append('=')
                .append(String.format("%#x+%#x", p.start(), p.length())));
        resources.irq().ifPresent(irq -> r.append(r.isEmpty() ? "" : " ").append("irq=").append(irq));
        return String.format("%-22s %-26s %-8s %-12s %s%s", address, ids, deviceClass, driver,
                r.isEmpty() ? "-" : r, tiedWith.isEmpty() ? "" : " (tie with " + String.join(", ", tiedWith) + ", won by name)");
    }
}
