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
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.kosh.api.CapabilityInfo;
import dev.kosh.api.ExitStatus;
import dev.kosh.api.ObjectType;
import dev.kosh.api.Signal;
import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.kernel.process.Priority;
import dev.kosh.kernel.process.ProcessTable;

/**
 * The memory service (bundles/memory-service) and its example client (bundles/memory-client)
 * running as processes of a kernel booted in this JVM: allocation as a shared-memory capability in
 * the reply, the client's mapping, free (revocation), statistics, the per-client budget, and the
 * regions withdrawn when the service is terminated. The last test stops the service.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MemoryServiceTest {
    static final long BUDGET = 65536;
    @TempDir
    static Path data;
    static KernelFixture k;
    static int server;

    @BeforeAll
    static void boot() throws Exception {
        k = new KernelFixture(data, """
                [kernel]
                deploy.capabilities = console, spawn
                [service memory]
                program = dev.kosh.examples.memoryservice
                args = --budget %d
                capabilities = console, publish
                """.formatted(BUDGET));
        k.await(() -> k.kernel.ipc().directory().registrations().containsKey("memory"), Duration.ofSeconds(10), "memory to register");
        server = k.kernel.ipc().directory().registrations().get("memory");
    }

    @AfterAll
    static void halt() {
        k.close();
    }

    /** Starts the client with the grant {@code service:memory} (the policy file cannot grant it yet). */
    static KoshProcess client(String... args) {
        return k.kernel.processes().spawn(new ProcessTable.SpawnRequest("dev.kosh.examples.memoryclient", List.of(args),
                ProcessTable.INIT_PID, Set.of("console", "service:memory"), Priority.NORMAL, null)).orThrow();
    }

    /** The client holds a shared-memory capability (the console cannot tell two holding clients apart). */
    static boolean holdsRegion(KoshProcess c) {
        var caps = k.kernel.processes().capabilities(c.pid());
        return caps.isOk() && caps.orThrow().stream().anyMatch(i -> i.type() == ObjectType.SHARED_MEMORY);
    }

    static String consoleAfterExit(KoshProcess c, int expectedCode) throws Exception {
        ExitStatus exit = k.kernel.processes().awaitExit(c, Duration.ofSeconds(20)).orThrow();
        k.kernel.flushConsole();
        assertEquals(expectedCode, exit.code(), exit.reason() + "\n" + k.console());
        return k.console();
    }

    @Test
    @Order(0)
    void theClientUsesItsOwnAddressSpaceWithoutTheService() throws Exception {
        KoshProcess c = client("--vm");
        String console = consoleAfterExit(c, 0);
        assertTrue(console.matches("(?s).*memory-client: mapped 4 pages at 0x[0-9a-f]+\n.*"), console);
        assertTrue(console.contains("memory-client: read back 'hello, own memory'"), console);
        assertTrue(console.contains("memory-client: write to a read-only page: FAULT SIGSEGV (protection) on write at 0x"), console);
        assertTrue(console.contains("memory-client: read of an unmapped page: FAULT"), console);
        assertTrue(console.contains("memory-client: heap grown by 12288 bytes"), console);
        assertTrue(console.contains("memory-client: wrote through a window of 8 bytes: 4b6f7368"), console);
        assertTrue(console.matches("(?s).*memory-client: usage \\d+ resident pages, \\d+ page tables, quota 16384 frames, swap quota 4096 pages.*"), console);
    }

    @Test
    @Order(0)
    void anUnhandledMemoryFaultEndsTheClientWithSegv() throws Exception {
        KoshProcess c = client("--segv");
        ExitStatus exit = k.kernel.processes().awaitExit(c, Duration.ofSeconds(20)).orThrow();
        assertEquals(139, exit.code(), exit.reason());
        assertTrue(exit.reason().startsWith("killed by SEGV (unhandled memory fault in thread "), exit.reason());
        assertTrue(exit.reason().contains("FAULT"), exit.reason());
    }

    @Test
    @Order(1)
    void aClientAllocatesMapsWritesReadsBackFreesAndSeesTheStatistics() throws Exception {
        assertTrue(k.console().contains("memory-service: serving 'memory' as pid " + server + ", budget 65536 bytes per client"), k.console());
        KoshProcess c = client();
        String console = consoleAfterExit(c, 0);
        for (String line : new String[] {
                "memory-client: mapped 4096 bytes, writable true",
                "memory-client: read back 'hello, shared memory' and 4b6f7368",
                "memory-client: stats: 1 regions, 4096 bytes, budget 65536; pid " + c.pid() + ": 1 regions, 4096 bytes",
                "(4096 bytes), 0 left",
                "memory-client: mapping still mapped: false",
                "memory-client: the freed region is gone: CLOSED",
                "memory-client: stats: 0 regions, 0 bytes, budget 65536\n"}) {
            assertTrue(console.contains(line), line + " in\n" + console);
        }
        assertTrue(console.matches("(?s).*memory-client: allocated region \\d+ of 4096 bytes.*"), console);
    }

    @Test
    @Order(2)
    void aClientPastItsBudgetIsRefusedWithAClearError() throws Exception {
        KoshProcess c = client("--alloc", "32768", "32768", "1");
        String console = consoleAfterExit(c, 2);
        assertTrue(console.contains("memory-client: call failed: QUOTA_EXCEEDED: memory: pid " + c.pid()
                + " is over its budget: holds 65536 of 65536 bytes, asked for 1"), console);
        // another client has a budget of its own; the first one exited holding two regions, which the
        // service released when the kernel told it the client had ended (before answering the next call)
        KoshProcess other = client("--alloc", "65536");
        console = consoleAfterExit(other, 0);
        assertTrue(console.contains("stats: 1 regions, 65536 bytes, budget 65536; pid " + other.pid() + ": 1 regions, 65536 bytes"), console);
        assertTrue(console.contains("memory-service: client pid " + c.pid() + " ended: 2 regions (65536 bytes) released"), console);
    }

    @Test
    @Order(3)
    void badRequestsAreRefusedNotFatal() throws Exception {
        KoshProcess c = client("--alloc", "0");
        assertTrue(consoleAfterExit(c, 2).contains("memory-client: call failed: INVALID_ARGUMENT: memory: cannot allocate 0 bytes"));
        String out = k.shell("run dev.kosh.examples.memoryclient", false);
        assertTrue(out.contains("exited with 2"), out);
        assertTrue(k.console().contains("memory-client: lookup failed: NO_CAPABILITY"), k.console());
        assertTrue(k.kernel.processes().get(server).isPresent(), "the service survives");
    }

    @Test
    @Order(4)
    void aKilledClientsRegionIsReleasedAndTheMemoryGoesBackToTheServicesQuota() throws Exception {
        k.await(() -> k.kernel.ipc().sharedMemoryUsed(server) == 0, Duration.ofSeconds(10), "earlier clients' regions to be released");
        long objectsBefore = k.kernel.ipc().liveObjects("shm");
        KoshProcess c = client("--hold", "8192");
        k.await(() -> holdsRegion(c), Duration.ofSeconds(10), "the client to hold a region");
        assertEquals(8192, k.kernel.ipc().sharedMemoryUsed(server), "the region is charged to the service");
        k.kernel.processes().signal(c.pid(), Signal.KILL, "test").orThrow();
        assertEquals(137, k.kernel.processes().awaitExit(c, Duration.ofSeconds(10)).orThrow().code());
        k.await(() -> k.kernel.ipc().sharedMemoryUsed(server) == 0, Duration.ofSeconds(10), "the killed client's region to go back to the service's quota");
        k.await(() -> k.kernel.ipc().liveObjects("shm") == objectsBefore, Duration.ofSeconds(10), "the region to be destroyed");
        k.kernel.flushConsole();
        assertTrue(k.console().contains("memory-service: client pid " + c.pid() + " ended: 1 regions (8192 bytes) released"), k.console());
        // and its statistics are gone: a new client sees only itself
        KoshProcess next = client();
        String console = consoleAfterExit(next, 0);
        assertTrue(console.contains("memory-client: stats: 1 regions, 4096 bytes, budget 65536; pid " + next.pid() + ": 1 regions, 4096 bytes\n"), console);
    }

    @Test
    @Order(5)
    void terminatingTheServiceWithdrawsEveryRegionItHandedOut() throws Exception {
        KoshProcess c = client("--hold", "8192");
        k.await(() -> holdsRegion(c), Duration.ofSeconds(10), "the client to hold a region");
        List<CapabilityInfo> caps = k.kernel.processes().capabilities(c.pid()).orThrow();
        assertTrue(caps.stream().anyMatch(i -> i.type() == ObjectType.SHARED_MEMORY), caps.toString());
        KoshProcess s = k.kernel.processes().get(server).orElseThrow();
        k.kernel.processes().signal(server, Signal.TERM, "test").orThrow();
        String console = consoleAfterExit(c, 0);
        assertTrue(console.matches("(?s).*memory-client: region \\d+ gone: REVOKED, mapped false.*"), console);
        // one look: the client may be reaped between two (then it holds nothing at all)
        var after = k.kernel.processes().capabilities(c.pid());
        assertTrue(!after.isOk() || after.orThrow().stream().noneMatch(i -> i.type() == ObjectType.SHARED_MEMORY), after.toString());
        k.kernel.processes().awaitExit(s, Duration.ofSeconds(10)).orThrow();
        k.kernel.flushConsole();
        assertTrue(k.console().matches("(?s).*memory-service: stopping, \\d+ regions withdrawn \\(\\d+ capabilities revoked\\).*"), k.console());
    }
}
