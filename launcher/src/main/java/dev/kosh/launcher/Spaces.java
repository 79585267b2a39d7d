package dev.kosh.launcher;

import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.Bundle;
import org.osgi.framework.hooks.resolver.ResolverHook;
import org.osgi.framework.hooks.resolver.ResolverHookFactory;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.namespace.PackageNamespace;

import dev.kosh.kernel.config.SystemConfig;
import dev.kosh.kernel.journal.Journal;

/**
 * The three spaces, enforced on wiring. Kernel space is the class path (no bundle is in it). A
 * bundle is in driver space when its manifest asks for it ({@code Kosh-Driver} or
 * {@code Kosh-Space: driver}) <em>and</em> {@code driver.bundles} in {@code system.conf} allows its
 * name; every other bundle is in user space. A bundle cannot promote itself: asking is not enough.
 *
 * <p>The resolver hook removes driver-only packages from the candidates of a user-space bundle's
 * imports, so the bundle fails to resolve; the reason is kept and journaled, so the installer can
 * say which bundle, which package and which rule instead of OSGi's bare "unresolved requirement".
 * Called by the framework's resolver thread; state is in concurrent maps.
 */
final class Spaces implements ResolverHookFactory {
    static final String SPACE_HEADER = "Kosh-Space";
    /** Packages only driver-space bundles may import. */
    static final String DRIVER_API = "dev.kosh.driver.api";

    enum Space {
        USER, DRIVER;

        String label() {
            return this == USER ? "user" : "driver";
        }
    }

    private final SystemConfig config;
    private final Journal journal;
    private final Map<Long, String> refusals = new ConcurrentHashMap<>();

    Spaces(SystemConfig config, Journal journal) {
        this.config = config;
        this.journal = journal;
    }

    /** Whether the bundle asks for driver space in its manifest. */
    static boolean asksForDriverSpace(Bundle b) {
        String space = b.getHeaders("").get(SPACE_HEADER);
        return b.getHeaders("").get(KoshFramework.DRIVER_HEADER) != null || (space != null && space.strip().equals("driver"));
    }

    Space spaceOf(Bundle b) {
        if (b.getBundleId() == 0) return Space.DRIVER; // the system bundle exports the APIs
        return asksForDriverSpace(b) && b.getSymbolicName() != null && config.mayBeDriver(b.getSymbolicName()) ? Space.DRIVER : Space.USER;
    }

    /** Why the framework could not resolve this bundle, if the reason was a space rule. */
    Optional<String> refusal(Bundle b) {
        return Optional.ofNullable(refusals.get(b.getBundleId()));
    }

    @Override
    public ResolverHook begin(Collection<BundleRevision> triggers) {
        return new ResolverHook() {
            @Override
            public void filterResolvable(Collection<BundleRevision> candidates) {
                // every bundle may resolve; only its wires are restricted
            }

            @Override
            public void filterSingletonCollisions(BundleCapability singleton, Collection<BundleCapability> collisionCandidates) {
                // no singleton policy
            }

            @Override
            public void filterMatches(BundleRequirement requirement, Collection<BundleCapability> candidates) {
                if (!PackageNamespace.PACKAGE_NAMESPACE.equals(requirement.getNamespace())) return;
                Bundle requirer = requirement.getRevision().getBundle();
                if (spaceOf(requirer) == Space.DRIVER) return;
                for (Iterator<BundleCapability> it = candidates.iterator(); it.hasNext(); ) {
                    Object pkg = it.next().getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE);
                    if (pkg instanceof String p && (p.equals(DRIVER_API) || p.startsWith(DRIVER_API + "."))) {
                        it.remove();
                        refuse(requirer, p);
                    }
                }
            }

            @Override
            public void end() {
            }
        };
    }

    private void refuse(Bundle b, String pkg) {
        String who = "user-space bundle " + b.getSymbolicName() + " " + b.getVersion();
        String why = asksForDriverSpace(b)
                ? who + " asks for driver space, but driver.bundles in " + config.source() + " does not allow it, so it may not import " + pkg
                : who + " may not import " + pkg + ": only driver-space bundles may (rule: the driver API is for drivers)";
        if (!why.equals(refusals.put(b.getBundleId(), why))) journal.warn("spaces", why);
    }
}
