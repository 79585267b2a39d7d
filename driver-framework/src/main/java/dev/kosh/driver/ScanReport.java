package dev.kosh.driver;

import java.util.List;

/**
 * What a hardware scan found: how many devices, how many were bound to a driver, which ones no
 * driver matches, the devices the HAL could not parse (each with its error), and the ties the
 * matcher broke by name (worth a warning at boot: two drivers claim a device equally).
 */
public record ScanReport(int devices, int bound, List<String> unmatched, List<String> rejected, List<String> ties) {
    public ScanReport {
        unmatched = List.copyOf(unmatched);
        rejected = List.copyOf(rejected);
        ties = List.copyOf(ties);
    }
}
