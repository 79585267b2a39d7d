package dev.kosh.hal.spi;

import dev.kosh.hal.HalResult;
import dev.kosh.hal.PlatformInterface;

/**
 * A platform implementation, registered in {@code META-INF/services} and chosen by
 * {@link dev.kosh.hal.Platforms#detect()}.
 */
public interface PlatformProvider {

    /** A short name for diagnostics ("linux-x86_64"). */
    String name();

    /** Whether this provider implements the host named by {@code os.name} and {@code os.arch}. */
    boolean supports(String osName, String osArch);

    /**
     * Reads and validates the host under {@code root} (CPU, memory map, capabilities).
     * Errors: whatever made the CPU description or memory map unusable.
     */
    HalResult<PlatformInterface> open(HostRoot root);
}
