package dev.kosh.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.kosh.api.ExitStatus;
import dev.kosh.api.Signal;
import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.kernel.process.Priority;
import dev.kosh.kernel.process.ProcessTable;

/**
 * {@code caps} and {@code ipcstat}, and the key-value example (service and client bundles) running
 * as processes of a kernel booted in this JVM.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IpcCommandsTest {
    @TempDir
    static Path data;
    static KernelFixture k;
    static int server;

    @BeforeAll
    static void boot() throws Exception {
        k = new KernelFixture(data, """
                [kernel]
                deploy.capabilities = console, spawn
                [driver null]
                bundle = dev.kosh.driver.null
                [service kv]
                program = dev.kosh.examples.kvservice
                capabilities = console, publish
                """);
        k.await(() -> k.kernel.ipc().directory().registrations().containsKey("kv"), Duration.ofSeconds(10), "kv to register");
        server = k.kernel.ipc().directory().registrations().get("kv");
    }

    @AfterAll
    static void halt() {
        k.close();
    }


    /**
     * Starts the client with the grant {@code service:kv}, asking the process table directly as init
     * and run do (ServiceGrantConfigTest grants it through the configuration).
     */
    static KoshProcess client(String... args) {
        return k.kernel.processes().spawn(new ProcessTable.SpawnRequest("dev.kosh.examples.kvclient", List.of(args),
                ProcessTable.INIT_PID, Set.of("console", "service:kv"), Priority.NORMAL, null)).orThrow();
    }

    @Test
    void capsListsTheServersEndpointItselfAndItsThreadsWithRightsAndGrants() {
        String out = k.shell("caps " + server, true);
        assertTrue(out.startsWith("HANDLE TYPE"), out);
        assertTrue(out.matches("(?s).*\\n +\\d+ endpoint +#\\d+ .* --gcv---- +- +-\\n.*"), out);
        // its handle to itself (the first it gets) and to its main thread
        assertTrue(out.matches("(?s).*\\n +1 process +#\\d+ pid " + server + " kv +r-g----ia +- +-\\n.*"), out);
        assertTrue(out.matches("(?s).*\\n +2 thread +#\\d+ thread main of pid " + server + " +r-g----ia +- +-\\n.*"), out);
        // 3 before the server's first call; 4 after it, when its thread holds its reusable reply object
        assertTrue(out.matches("(?s).*(3|4) capabilities; grants: console,publish.*"), out);
    }

    @Test
    void capsOfInitShowsItselfAndAHandleToEachOfItsChildren() {
        String out = k.shell("caps 1", true);
        assertTrue(out.matches("(?s).*\\n +1 process +#\\d+ pid 1 init .*"), out);
        // init's children (the services) each have a handle in its table
        assertTrue(out.matches("(?s).*\\n +\\d+ process +#\\d+ pid " + server + " kv +r-g----ia .*"), out);
        assertTrue(out.matches("(?s).*\\d+ capabilities; grants: .*"), out);
    }

    @Test
    void capsRefusesBadInputWithOneLine() {
        assertEquals("caps: usage: caps PID", k.shell("caps", false).strip());
        assertEquals("caps: usage: caps PID", k.shell("caps 1 2", false).strip());
        assertEquals("caps: 'x' is not a process id", k.shell("caps x", false).strip());
        assertEquals("caps: no process 99999", k.shell("caps 99999", false).strip());
    }

    @Test
    void ipcstatShowsCountersServicesAndObjects() {
        String out = k.shell("ipcstat", true);
        assertTrue(out.matches("(?s)calls \\d+, failed system calls: .*"), out);
        assertTrue(out.contains("services: kv (pid " + server + ")"), out);
        assertTrue(out.matches("(?s).*\\n +\\d+ endpoint +\\d+ +\\d+/1024 +\\d+  .*"), out);
        assertEquals("ipcstat: takes no arguments (usage: ipcstat)", k.shell("ipcstat now", false).strip());
    }

    @Test
    void theKeyValueClientGetsTheRightAnswersThroughTheTypedStub() throws Exception {
        long callsBefore = k.kernel.ipc().calls();
        ExitStatus exit = k.kernel.processes().awaitExit(client(), Duration.ofSeconds(20)).orThrow();
        assertTrue(exit.success(), exit.reason());
        k.kernel.flushConsole();
        String console = k.console();
        for (String line : new String[] {
                "kv-client: put greeting=hello -> null", "kv-client: put greeting=bonjour -> hello",
                "kv-client: get greeting -> bonjour", "kv-client: delete answer -> true",
                "kv-client: get answer -> null", "kv-client: delete answer -> false", "kv-client: size -> 1"}) {
            assertTrue(console.contains(line), line + " in\n" + console);
        }
        assertTrue(k.kernel.ipc().calls() >= callsBefore + 8, "every stub call is a kernel call");
        assertTrue(k.shell("ipcstat", true).matches("(?s)calls \\d+.*"));
    }

    @Test
    void aClientWithoutTheServiceGrantIsRefusedAtLookup() {
        String out = k.shell("run dev.kosh.examples.kvclient", false);
        assertTrue(out.contains("exited with 2"), out);
        assertTrue(k.console().contains("kv-client: lookup failed: NO_CAPABILITY"), k.console());
    }

    @Test
    void killingTheServerMidCallGivesTheClientDeadPeer() throws Exception {
        KoshProcess c = client("--slow", "30000");
        k.await(() -> k.console().contains("kv-client: calling slowEcho"), Duration.ofSeconds(10), "the slow call");
        k.await(() -> c.state().label().startsWith("Blocked(ipc"), Duration.ofSeconds(10), "the client to block in the call");
        KoshProcess s = k.kernel.processes().get(server).orElseThrow();
        k.kernel.processes().signal(server, Signal.KILL, "test").orThrow();
        ExitStatus clientExit = k.kernel.processes().awaitExit(c, Duration.ofSeconds(10)).orThrow();
        assertEquals(2, clientExit.code(), clientExit.reason());
        k.kernel.flushConsole();
        assertTrue(k.console().contains("kv-client: call failed: DEAD_PEER"), k.console());
        k.kernel.processes().awaitExit(s, Duration.ofSeconds(10)).orThrow();
        // init restarts the service (restart = on-failure); the tests after this one find it again
        k.await(() -> k.kernel.ipc().directory().registrations().containsKey("kv")
                && k.kernel.ipc().directory().registrations().get("kv") != s.pid(), Duration.ofSeconds(20), "kv to come back");
        server = k.kernel.ipc().directory().registrations().get("kv");
    }
}
