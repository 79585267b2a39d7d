package dev.kosh.launcher;

import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.hooks.service.EventListenerHook;
import org.osgi.framework.hooks.service.FindHook;
import org.osgi.framework.hooks.service.ListenerHook.ListenerInfo;

import dev.kosh.api.CapabilityInfo;
import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.kernel.process.ProcessTable;

/**
 * The OSGi service registry, filtered by capability (docs/capabilities.md, "Services"). A bundle
 * the kernel does not trust — a program's, a driver's, any deployed or run bundle; the same set
 * the weaving hook weaves ({@link Weaving#trusted}) — finds a <em>guarded</em> service, and hears
 * its events, only if one of the bundle's live processes holds the capability the service names:
 *
 * <ul>
 *   <li>{@value #CAPABILITY} = NAME (a String): the named grant NAME ({@code console},
 *       {@code service:kv}...), as {@code Kosh-Capabilities} ∩ {@code system.conf} gave it at spawn;
 *   <li>{@value #OBJECT} = ID (a Long): a capability, any rights, to the kernel object ID in the
 *       process's capability table;
 *   <li>a service published by a process ({@code ctx.publish}) without either property needs the
 *       grant {@code service:} + its first object class;
 *   <li>a service of the kernel (the system bundle, or a trusted system library) without either
 *       property is the kernel's own: no untrusted bundle finds it.
 * </ul>
 *
 * A bundle always finds what it registered itself. Trusted bundles (the kernel, Felix SCR) find
 * everything. A bundle with no live process holds nothing, so it finds no guarded service.
 *
 * <p>Threads: the framework calls the hooks on whatever thread looks up a service or fires an
 * event; the process index is a concurrent map fed by the process table's spawn and exit listeners.
 */
final class ServiceHooks implements FindHook, EventListenerHook {
    /** Service property: the named grant a finder's process must hold. */
    static final String CAPABILITY = "kosh.capability";
    /** Service property: the kernel object id a finder's process must hold a capability to. */
    static final String OBJECT = "kosh.object";

    /** Live processes by the bundle revision they run ({@link BundlePrograms#origin}). */
    private final Map<String, Set<KoshProcess>> processesByOrigin = new ConcurrentHashMap<>();
    private volatile ProcessTable table;

    /** Registers the hooks on the system bundle: before any other bundle is installed. */
    static ServiceHooks register(BundleContext systemContext) {
        ServiceHooks hooks = new ServiceHooks();
        systemContext.registerService(new String[] {FindHook.class.getName(), EventListenerHook.class.getName()}, hooks, null);
        return hooks;
    }

    /** Starts following the process table. Until then no process exists, so nothing guarded is visible. */
    void attach(ProcessTable processes) {
        processes.onSpawn(p -> {
            if (p.image() != null) processesByOrigin.computeIfAbsent(p.image().origin(), o -> ConcurrentHashMap.newKeySet()).add(p);
        });
        processes.onExit(p -> {
            if (p.image() == null) return;
            processesByOrigin.computeIfPresent(p.image().origin(), (o, set) -> {
                set.remove(p);
                return set.isEmpty() ? null : set;
            });
        });
        this.table = processes;
    }

    @Override
    public void find(BundleContext context, String name, String filter, boolean allServices, Collection<ServiceReference<?>> references) {
        Bundle finder = context.getBundle();
        if (Weaving.trusted(finder)) return;
        references.removeIf(ref -> !visible(finder, ref));
    }

    @Override
    public void event(ServiceEvent event, Map<BundleContext, Collection<ListenerInfo>> listeners) {
        ServiceReference<?> ref = event.getServiceReference();
        for (Iterator<BundleContext> it = listeners.keySet().iterator(); it.hasNext(); ) {
            Bundle listener = it.next().getBundle();
            if (!Weaving.trusted(listener) && !visible(listener, ref)) it.remove();
        }
    }

    /** Whether an untrusted {@code finder} may see {@code ref}. */
    boolean visible(Bundle finder, ServiceReference<?> ref) {
        Bundle registrant = ref.getBundle();
        if (registrant == null) return false; // unregistered meanwhile
        if (registrant.getBundleId() == finder.getBundleId()) return true;
        Object capability = ref.getProperty(CAPABILITY);
        Object object = ref.getProperty(OBJECT);
        if (capability == null && object == null) {
            if (Weaving.trusted(registrant)) return false; // the kernel's own
            String[] classes = (String[]) ref.getProperty(Constants.OBJECTCLASS);
            capability = "service:" + (classes == null || classes.length == 0 ? "" : classes[0]);
        }
        Set<KoshProcess> holders = processesByOrigin.get(BundlePrograms.origin(finder));
        if (holders == null) return false;
        for (KoshProcess p : holders) {
            if (p.finished()) continue;
            if (capability instanceof String grant && p.capabilities().has(grant)) return true;
            if (object instanceof Long id && holdsObject(p, id)) return true;
        }
        return false;
    }

    private boolean holdsObject(KoshProcess p, long objectId) {
        ProcessTable t = table;
        if (t == null) return false;
        for (CapabilityInfo c : t.capabilitySpace().list(p.capabilityTable())) if (c.objectId() == objectId) return true;
        return false;
    }

    /** Registers a kernel service guarded by a named grant (for the kernel's own services and tests). */
    static <S> ServiceRegistration<S> registerGuarded(BundleContext context, Class<S> type, S service, String capability) {
        return context.registerService(type, service, new java.util.Hashtable<>(Map.of(CAPABILITY, capability)));
    }
}
