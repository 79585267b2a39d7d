package dev.kosh.kernel.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The validated content of {@code system.conf}. {@link #deployCapabilities()} bounds what bundles
 * dropped into the deploy folder (or started by hand with {@code run}) may be granted. {@link #services()} is in start order: every
 * service comes after the services it names in {@code after}, and otherwise in file order.
 */
public record SystemConfig(String source, long memoryBytes, String httpBind, int httpPort,
                           Duration stopTimeout, Set<String> deployCapabilities, List<String> driverBundles,
                           List<DriverSpec> drivers, List<ServiceSpec> services) {

    public static final long DEFAULT_MEMORY = 256L << 20;
    public static final int DEFAULT_HTTP_PORT = 7070;
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(2);
    /** What a bundle dropped into the deploy folder may be granted, unless the configuration says otherwise. */
    public static final Set<String> DEFAULT_DEPLOY_CAPABILITIES = Set.of("console", "log");
    /** Which bundles may run in driver space, unless the configuration says otherwise. */
    public static final List<String> DEFAULT_DRIVER_BUNDLES = List.of("dev.kosh.driver.*");

    public SystemConfig {
        deployCapabilities = Set.copyOf(deployCapabilities);
        driverBundles = List.copyOf(driverBundles);
        drivers = List.copyOf(drivers);
        services = List.copyOf(services);
    }

    /** A configuration with no drivers and no services (the kernel alone). */
    public static SystemConfig empty() {
        return new SystemConfig("(built-in)", DEFAULT_MEMORY, "127.0.0.1", DEFAULT_HTTP_PORT,
                DEFAULT_STOP_TIMEOUT, DEFAULT_DEPLOY_CAPABILITIES, DEFAULT_DRIVER_BUNDLES, List.of(), List.of());
    }

    /**
     * True if the policy lets the bundle {@code symbolicName} run in driver space: it matches one of
     * {@code driver.bundles} (exact names, or a prefix ending in {@code .*}).
     */
    public boolean mayBeDriver(String symbolicName) {
        for (String pattern : driverBundles) {
            if (pattern.endsWith(".*") ? symbolicName.startsWith(pattern.substring(0, pattern.length() - 1)) : symbolicName.equals(pattern)) {
                return true;
            }
        }
        return false;
    }

    public Optional<ServiceSpec> service(String name) {
        return services.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    public SystemConfig withHttpPort(int port) {
        return new SystemConfig(source, memoryBytes, httpBind, port, stopTimeout, deployCapabilities, driverBundles, drivers, services);
    }
}
