package dev.kosh.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.hooks.service.FindHook;

import dev.kosh.api.CapabilityInfo;
import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.kernel.process.Priority;
import dev.kosh.kernel.process.ProcessTable;

/**
 * The service registry filtered by capability: a process bundle finds a kernel service only while
 * one of its processes holds the capability the service names.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServiceHooksTest {
    @TempDir
    static Path data;
    @TempDir
    static Path jars;
    static KernelFixture k;

    @BeforeAll
    static void boot() throws Exception {
        k = new KernelFixture(data, """
                [kernel]
                deploy.capabilities = console
                [driver null]
                bundle = dev.kosh.driver.null
                [service kv]
                program = dev.kosh.examples.kvservice
                capabilities = console, publish
                """);
    }

    @AfterAll
    static void halt() {
        k.close();
    }

    /**
     * Starts a hello that sleeps, from a copy of hello.jar named {@code name} declaring and granted
     * {@code caps} (through the process table: the policy file's name lists cannot hold ':' yet).
     */
    private static KoshProcess sleeper(String name, String... caps) throws Exception {
        Path jar = KernelFixture.relabel("hello.jar", jars.resolve(name + ".jar"),
                Map.of("Bundle-SymbolicName", "dev.kosh.test." + name, "Kosh-Capabilities", String.join(", ", caps)));
        try (var in = java.nio.file.Files.newInputStream(jar)) {
            k.kernel.framework().context().installBundle("kosh-test:" + name, in);
        }
        return k.kernel.processes().spawn(new ProcessTable.SpawnRequest("dev.kosh.test." + name, List.of("--sleep", "60000"),
                ProcessTable.INIT_PID, Set.of(caps), Priority.NORMAL, null)).orThrow();
    }

    private static BundleContext contextOf(String symbolicName) {
        Bundle b = k.kernel.framework().bundle(symbolicName).orElseThrow();
        return b.getBundleContext();
    }

    private static int found(BundleContext context, String type) throws Exception {
        ServiceReference<?>[] refs = context.getServiceReferences(type, null);
        return refs == null ? 0 : refs.length;
    }

    private static void stop(KoshProcess p) throws InterruptedException {
        k.kernel.processes().signal(p.pid(), dev.kosh.api.Signal.KILL, "test");
        k.kernel.processes().awaitExit(p, Duration.ofSeconds(10)).orThrow();
    }

    @Test
    void aBundleFindsAGuardedKernelServiceOnlyWhileAProcessOfItHoldsTheCapability() throws Exception {
        KoshProcess holder = sleeper("holder", "console", "service:demo");
        KoshProcess other = sleeper("other", "console");
        ServiceRegistration<Runnable> reg = ServiceHooks.registerGuarded(k.kernel.framework().context(), Runnable.class, () -> { }, "service:demo");
        try {
            assertEquals(1, found(contextOf("dev.kosh.test.holder"), Runnable.class.getName()), "the holder finds it");
            assertEquals(0, found(contextOf("dev.kosh.test.other"), Runnable.class.getName()), "a bundle without the capability does not");
            assertEquals(1, found(k.kernel.framework().context(), Runnable.class.getName()), "the kernel finds everything");
            stop(holder);
            assertEquals(0, found(contextOf("dev.kosh.test.holder"), Runnable.class.getName()), "no live process, no capability");
        } finally {
            reg.unregister();
            stop(other);
        }
    }

    @Test
    void theKernelsOwnServicesAreHiddenFromProcessBundles() throws Exception {
        KoshProcess p = sleeper("nosy", "console", "service:demo");
        try {
            assertEquals(0, found(contextOf("dev.kosh.test.nosy"), FindHook.class.getName()));
            assertEquals(1, found(k.kernel.framework().context(), FindHook.class.getName()));
        } finally {
            stop(p);
        }
    }

    @Test
    void aServiceNamingAKernelObjectIsFoundByTheBundleWhoseProcessHoldsACapabilityToIt() throws Exception {
        int server = awaitKv();
        List<CapabilityInfo> caps = k.kernel.processes().capabilities(server).orThrow();
        long endpoint = caps.getFirst().objectId();
        KoshProcess stranger = sleeper("stranger", "console", "service:demo");
        Hashtable<String, Object> props = new Hashtable<>(Map.of(ServiceHooks.OBJECT, endpoint));
        ServiceRegistration<Runnable> reg = k.kernel.framework().context().registerService(Runnable.class, () -> { }, props);
        try {
            assertEquals(1, found(contextOf("dev.kosh.examples.kvservice"), Runnable.class.getName()), "the endpoint's holder finds it");
            assertEquals(0, found(contextOf("dev.kosh.test.stranger"), Runnable.class.getName()));
        } finally {
            reg.unregister();
            stop(stranger);
        }
    }

    @Test
    void aServiceAProcessPublishedNeedsTheServiceGrantForItsType() throws Exception {
        KoshProcess publisherProcess = sleeper("publisher", "console");
        KoshProcess reader = sleeper("reader", "console", "service:java.lang.Runnable");
        KoshProcess outsider = sleeper("outsider", "console");
        // as BundlePrograms publishes for ctx.publish: registered by the process's bundle, no properties
        ServiceRegistration<Runnable> reg = contextOf("dev.kosh.test.publisher").registerService(Runnable.class, () -> { }, null);
        try {
            assertEquals(1, found(contextOf("dev.kosh.test.publisher"), Runnable.class.getName()), "its own registration");
            assertEquals(1, found(contextOf("dev.kosh.test.reader"), Runnable.class.getName()));
            assertEquals(0, found(contextOf("dev.kosh.test.outsider"), Runnable.class.getName()));
        } finally {
            reg.unregister();
            stop(publisherProcess);
            stop(reader);
            stop(outsider);
        }
    }

    @Test
    void serviceEventsReachOnlyListenersThatMaySeeTheService() throws Exception {
        KoshProcess holder = sleeper("listener1", "console", "service:demo");
        KoshProcess other = sleeper("listener2", "console");
        List<String> heard = Collections.synchronizedList(new ArrayList<>());
        ServiceListener l1 = e -> heard.add("listener1 " + e.getType());
        ServiceListener l2 = e -> heard.add("listener2 " + e.getType());
        contextOf("dev.kosh.test.listener1").addServiceListener(l1);
        contextOf("dev.kosh.test.listener2").addServiceListener(l2);
        ServiceRegistration<Runnable> reg = ServiceHooks.registerGuarded(k.kernel.framework().context(), Runnable.class, () -> { }, "service:demo");
        reg.unregister();
        try {
            assertEquals(List.of("listener1 " + ServiceEvent.REGISTERED, "listener1 " + ServiceEvent.UNREGISTERING), heard);
        } finally {
            stop(holder);
            stop(other);
        }
    }

    private static int awaitKv() throws InterruptedException {
        k.await(() -> k.kernel.ipc().directory().registrations().containsKey("kv"), Duration.ofSeconds(10), "kv to register");
        int pid = k.kernel.ipc().directory().registrations().get("kv");
        assertFalse(k.kernel.processes().capabilities(pid).orThrow().isEmpty());
        assertTrue(pid > 1);
        return pid;
    }
}
