package dev.kosh.launcher;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.kosh.kernel.process.KoshProcess;

/**
 * {@code service:NAME} granted through {@code system.conf}: a service section grants the key-value
 * client {@code service:kv}, and it talks to the service; the same program in a section without
 * the grant is refused at lookup; {@code deploy.capabilities} bounds what {@code run} may grant.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServiceGrantConfigTest {
    @TempDir
    static Path data;
    static KernelFixture k;

    @BeforeAll
    static void boot() throws Exception {
        // The client may start before the server has registered "kv": it then exits 2 and init
        // restarts it (on-failure) until the lookup succeeds.
        k = new KernelFixture(data, """
                [kernel]
                deploy.capabilities = console, service:kv
                [driver null]
                bundle = dev.kosh.driver.null
                [service kv]
                program = dev.kosh.examples.kvservice
                capabilities = console, publish
                [service kvc]
                program = dev.kosh.examples.kvclient
                after = kv
                restart = on-failure
                capabilities = console, service:kv
                """);
        k.await(() -> k.kernel.ipc().directory().registrations().containsKey("kv"), Duration.ofSeconds(10), "kv to register");
    }

    @AfterAll
    static void halt() {
        k.close();
    }

    @Test
    void aServiceGrantedServiceKvInTheConfigCallsTheService() throws Exception {
        k.await(() -> k.console().contains("kv-client: size -> 1"), Duration.ofSeconds(20), "the configured client's calls");
        String console = k.console();
        assertTrue(console.contains("kv-client: get greeting -> bonjour"), console);
        assertFalse(console.contains("lookup failed: NO_CAPABILITY"), console);
        // The process got the grant from the policy, and `caps` shows it.
        k.await(() -> k.kernel.processes().runningProgram("dev.kosh.examples.kvclient").isEmpty(), Duration.ofSeconds(10), "the client to exit");
    }

    @Test
    void runGrantsServiceKvWhenDeployCapabilitiesAllowIt() throws Exception {
        String out = k.shell("run dev.kosh.examples.kvclient", true);
        assertFalse(out.contains("exited with 2"), out);
        k.kernel.flushConsole();
        assertFalse(k.console().contains("lookup failed: NO_CAPABILITY"), k.console());
    }

    @Test
    void capsShowsTheServiceGrantOfARunningClient() throws Exception {
        KoshProcess slow = k.kernel.processes().spawn(new dev.kosh.kernel.process.ProcessTable.SpawnRequest(
                "dev.kosh.examples.kvclient", java.util.List.of("--slow", "5000"), dev.kosh.kernel.process.ProcessTable.INIT_PID,
                k.kernel.config().deployCapabilities(), dev.kosh.kernel.process.Priority.NORMAL, null)).orThrow();
        k.await(() -> slow.state().label().startsWith("Blocked(ipc"), Duration.ofSeconds(10), "the client to call");
        String caps = k.shell("caps " + slow.pid(), true);
        assertTrue(caps.contains("grants: console,service:kv"), caps);
        k.kernel.processes().signal(slow.pid(), dev.kosh.api.Signal.KILL, "test");
    }
}
