package dev.kosh.hal;

import dev.kosh.hal.spi.HostRoot;
import dev.kosh.hal.spi.PlatformProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Picks the {@link PlatformProvider} for the running host and opens it. */
public final class Platforms {

    private Platforms() {}

    /**
     * Opens the platform for this JVM's {@code os.name}/{@code os.arch} from the providers
     * on the class path, reading the live host.
     */
    public static HalResult<PlatformInterface> detect() {
        return detect(System.getProperty("os.name", ""), System.getProperty("os.arch", ""), HostRoot.live(),
                ServiceLoader.load(PlatformProvider.class, Platforms.class.getClassLoader()));
    }

    /**
     * Opens the first of {@code providers} that supports {@code osName}/{@code osArch},
     * reading the host under {@code root}. Fails with {@link HalError.NoPlatform} naming
     * every provider seen when none fits, or with the chosen provider's error.
     */
    public static HalResult<PlatformInterface> detect(String osName, String osArch, HostRoot root,
                                                       Iterable<? extends PlatformProvider> providers) {
        List<String> seen = new ArrayList<>();
        for (PlatformProvider p : providers) {
            if (p.supports(osName, osArch)) {
                return p.open(root);
            }
            seen.add(p.name());
        }
        return HalResult.err(new HalError.NoPlatform(osName, osArch, seen));
    }
}
