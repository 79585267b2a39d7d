package dev.kosh.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.hooks.resolver.ResolverHookFactory;
import org.osgi.framework.hooks.weaving.WeavingHook;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * The embedded OSGi framework (Equinox, found through {@link FrameworkFactory}). Kernel modules
 * stay on the class path; bundles see only the system packages listed in {@link #SYSTEM_PACKAGES}
 * and {@code java.*} (the bundle class loaders' parent is the boot loader, not the class path).
 */
final class KoshFramework implements AutoCloseable {
    /** The packages processes may wire to, with their versions (kept equal to their package-info). */
    static final String SYSTEM_PACKAGES = "dev.kosh.api;version=1.0.0,dev.kosh.driver.api;version=1.1.0,dev.kosh.sandbox;version=1.0.0";
    /** Location prefix of the bundles the kernel installs from its system directory. */
    static final String SYSTEM_LOCATION = "kosh-system:";
    static final String MAIN_HEADER = "Kosh-Main";
    static final String DRIVER_HEADER = "Kosh-Driver";
    static final String DRIVER_CLASS_HEADER = "Kosh-Driver-Class";
    static final String CAPABILITIES_HEADER = "Kosh-Capabilities";

    private final Framework framework;
    private final Spaces spaces;
    /** Checked before any driver jar is installed (set once at boot, before the system bundles). */
    private volatile Signatures signatures = Signatures.OFF;

    private KoshFramework(Framework framework, Spaces spaces) {
        this.framework = framework;
        this.spaces = spaces;
    }

    /** Starts the framework with the space rules in force before any bundle is installed. */
    static KoshFramework start(Path storage, Spaces spaces, Weaving weaving) throws BundleException {
        Map<String, String> props = new HashMap<>();
        props.put(Constants.FRAMEWORK_STORAGE, storage.toAbsolutePath().toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        props.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, SYSTEM_PACKAGES);
        props.put(Constants.FRAMEWORK_BUNDLE_PARENT, Constants.FRAMEWORK_BUNDLE_PARENT_BOOT);
        props.put(Constants.FRAMEWORK_BOOTDELEGATION, "");
        props.put("osgi.compatibility.bootdelegation", "false");
        props.put("eclipse.log.enabled", "false"); // failures reach the journal through Kosh, not a log file
        props.put("osgi.framework.useSystemProperties", "false");
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new BundleException("no OSGi framework on the class path"));
        Framework framework = factory.newFramework(props);
        framework.init();
        framework.getBundleContext().registerService(ResolverHookFactory.class, spaces, null);
        framework.getBundleContext().registerService(WeavingHook.class, weaving, null);
        framework.start();
        return new KoshFramework(framework, spaces);
    }

    BundleContext context() {
        return framework.getBundleContext();
    }

    /**
     * Installs every jar in {@code dir} and starts them (bundles without a Kosh header are libraries
     * and services such as Felix SCR). Returns the bundles; a bundle that fails is reported, not fatal.
     */
    List<String> installSystemBundles(Path dir, List<Bundle> installed) throws IOException {
        List<String> problems = new ArrayList<>();
        if (!Files.isDirectory(dir)) throw new IOException("system bundle directory " + dir + " does not exist (run ./kosh to build it)");
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.jar")) {
            ds.forEach(jars::add);
        }
        jars.sort(Comparator.naturalOrder());
        for (Path jar : jars) {
            try {
                signatures.check(jar);
            } catch (Signatures.Unsigned u) {
                problems.add(jar.getFileName() + ": refused: " + u.getMessage());
                continue;
            }
            try (InputStream in = Files.newInputStream(jar)) {
                installed.add(context().installBundle(SYSTEM_LOCATION + jar.getFileName(), in));
            } catch (BundleException e) {
                problems.add(jar.getFileName() + ": " + e.getMessage());
            }
        }
        for (Bundle b : installed) {
            try {
                b.start();
            } catch (BundleException e) {
                problems.add(b.getSymbolicName() + ": " + e.getMessage());
            }
        }
        return problems;
    }

    Spaces spaces() {
        return spaces;
    }

    /** Makes driver jars pass {@code policy} before they are installed (the system bundles, insdrv, deploy). */
    void requireSignatures(Signatures policy) {
        this.signatures = policy;
    }

    Signatures signatures() {
        return signatures;
    }

    /** Why {@code bundle} failed to start: the space rule it broke if any, else the framework's message. */
    String explain(Bundle bundle, BundleException e) {
        return spaces.refusal(bundle).orElseGet(() -> BundleJars.oneLine(e.getMessage()));
    }

    List<Bundle> bundles() {
        return List.of(context().getBundles());
    }

    /** The installed bundle with this symbolic name and the highest version. */
    Optional<Bundle> bundle(String symbolicName) {
        return bundles().stream()
                .filter(b -> symbolicName.equals(b.getSymbolicName()) && b.getState() != Bundle.UNINSTALLED)
                .max(Comparator.comparing(Bundle::getVersion));
    }

    /** Refreshes the wiring of {@code bundles} and waits for it, so old revisions are released. */
    void refresh(List<Bundle> bundles) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        framework.adapt(FrameworkWiring.class).refreshBundles(bundles, event -> {
            if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED || event.getType() == FrameworkEvent.ERROR) done.countDown();
        });
        done.await(10, TimeUnit.SECONDS);
    }

    String version() {
        return framework.getSymbolicName() + " " + framework.getVersion();
    }

    @Override
    public void close() {
        try {
            framework.stop();
            framework.waitForStop(10_000);
        } catch (BundleException e) {
            System.err.println("kosh: framework stop failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
