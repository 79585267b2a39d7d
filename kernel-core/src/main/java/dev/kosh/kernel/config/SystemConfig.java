package dev.kosh.kernel.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.kosh.kernel.process.ProcessLimits;

/**
 * The validated content of {@code system.conf}. {@link #deployCapabilities()} bounds what bundles
 * dropped into the deploy folder (or started by hand with {@code run}) may be granted. {@link #services()} is in start order: every
 * service comes after the services it names in {@code after}, and otherwise in file order.
 * {@link #limits()} are the quotas of a process no section names (deployed and {@code run}
 * programs); {@link #driverSignaturesRequired()} makes driver bundles carry a signature by a key
 * in {@link #trustStore()} (a PKCS12 file; {@code ""} when none is named).
 */
public record SystemConfig(String source, long memoryBytes, String httpBind, int httpPort,
                           Duration stopTimeout, Set<String> deployCapabilities, List<String> driverBundles,
                           ProcessLimits limits, boolean driverSignaturesRequired, String trustStore,
                           List<DriverSpec> drivers, List<ServiceSpec> services, MemoryQuotas memoryQuotas,
                           Duration driverRequestRetention) {

    public static final long DEFAULT_MEMORY = 256L << 20;
    public static final int DEFAULT_HTTP_PORT = 7070;
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(2);
    /** What a bundle dropped into the deploy folder may be granted, unless the configuration says otherwise. */
    public static final Set<String> DEFAULT_DEPLOY_CAPABILITIES = Set.of("console", "log");
    /** Which bundles may run in driver space, unless the configuration says otherwise. */
    public static final List<String> DEFAULT_DRIVER_BUNDLES = List.of("dev.kosh.driver.*");
    /** How long the request journal keeps completed driver requests ({@code driver.request-retention}). */
    public static final Duration DEFAULT_DRIVER_REQUEST_RETENTION = Duration.ofHours(1);

    public SystemConfig {
        if (limits == null || trustStore == null) throw new IllegalArgumentException("limits and trust store (\"\" for none) are required");
        deployCapabilities = Set.copyOf(deployCapabilities);
        driverBundles = List.copyOf(driverBundles);
        drivers = List.copyOf(drivers);
        services = List.copyOf(services);
        if (memoryQuotas == null) memoryQuotas = MemoryQuotas.DEFAULT;
        if (driverRequestRetention == null) driverRequestRetention = DEFAULT_DRIVER_REQUEST_RETENTION;
    }

    /** A configuration with the default driver request retention. */
    public SystemConfig(String source, long memoryBytes, String httpBind, int httpPort,
                        Duration stopTimeout, Set<String> deployCapabilities, List<String> driverBundles,
                        ProcessLimits limits, boolean driverSignaturesRequired, String trustStore,
                        List<DriverSpec> drivers, List<ServiceSpec> services, MemoryQuotas memoryQuotas) {
        this(source, memoryBytes, httpBind, httpPort, stopTimeout, deployCapabilities, driverBundles, limits,
                driverSignaturesRequired, trustStore, drivers, services, memoryQuotas, DEFAULT_DRIVER_REQUEST_RETENTION);
    }

    /** A configuration with the built-in memory quotas for everyone. */
    public SystemConfig(String source, long memoryBytes, String httpBind, int httpPort,
                        Duration stopTimeout, Set<String> deployCapabilities, List<String> driverBundles,
                        ProcessLimits limits, boolean driverSignaturesRequired, String trustStore,
                        List<DriverSpec> drivers, List<ServiceSpec> services) {
        this(source, memoryBytes, httpBind, httpPort, stopTimeout, deployCapabilities, driverBundles, limits,
                driverSignaturesRequired, trustStore, drivers, services, MemoryQuotas.DEFAULT);
    }

    /** A configuration with no drivers and no services (the kernel alone). */
    public static SystemConfig empty() {
        return new SystemConfig("(built-in)", DEFAULT_MEMORY, "127.0.0.1", DEFAULT_HTTP_PORT,
                DEFAULT_STOP_TIMEOUT, DEFAULT_DEPLOY_CAPABILITIES, DEFAULT_DRIVER_BUNDLES, ProcessLimits.DEFAULT, false, "",
                List.of(), List.of());
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
        return new SystemConfig(source, memoryBytes, httpBind, port, stopTimeout, deployCapabilities, driverBundles,
                limits, driverSignaturesRequired, trustStore, drivers, services, memoryQuotas, driverRequestRetention);
    }

    /** The quotas of a process spawned for {@code [service NAME]} or {@code [driver NAME]}; else {@link #limits()}. */
    public ProcessLimits limitsForService(String name) {
        return service(name).map(ServiceSpec::limits).orElse(limits);
    }

    public ProcessLimits limitsForDriver(String name) {
        return drivers.stream().filter(d -> d.name().equals(name)).findFirst().map(DriverSpec::limits).orElse(limits);
    }
}
