package dev.kosh.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.kosh.api.Program;
import dev.kosh.api.Signal;
import dev.kosh.api.SysResult;
import dev.kosh.driver.api.DriverCapabilities;
import dev.kosh.driver.api.DriverError;
import dev.kosh.driver.api.DriverRequest;
import dev.kosh.driver.api.DriverResponse;
import dev.kosh.driver.api.KoshDriver;
import dev.kosh.kernel.process.CapabilitySet;
import dev.kosh.kernel.process.ProcessTable;
import dev.kosh.kernel.process.ProgramImage;
import dev.kosh.scheduler.KernelThreads;

/** The Chronicle request journal, alone and as the source of what a restarted driver is replayed. */
@Timeout(30)
class RequestJournalTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path dir;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private ProcessTable table;

    @AfterEach
    void close() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) toClose.get(i).close();
    }

    @Test
    void aRequestJournaledAndNotCompletedIsReadBackOnceWithItsPayload() {
        try (RequestJournal j = RequestJournal.open(dir)) {
            RequestJournal.Log log = j.log("disk");
            long a = log.accepted(new DriverRequest("read", new byte[] {1, 2}, true));
            long b = log.accepted(new DriverRequest("write", new byte[] {3}, false));
            log.completed(a);
            List<RequestJournal.Entry> open = log.unfinished();
            assertEquals(1, open.size());
            assertEquals(b, open.get(0).seq());
            assertEquals("write", open.get(0).request().operation());
            assertArrayEquals(new byte[] {3}, open.get(0).request().payload());
            assertEquals(false, open.get(0).request().idempotent());
            assertTrue(log.unfinished().isEmpty(), "a request handed out is the caller's: not handed out twice");
            long c = log.accepted(new DriverRequest("flush", null, true));
            assertEquals(List.of(c), log.unfinished().stream().map(RequestJournal.Entry::seq).toList(), "scans continue where the last stopped");
        }
    }

    /**
     * Against a model: for any interleaving of dispatches, completions and scans (a scan is an
     * instance dying), each scan returns exactly the requests dispatched and not completed since
     * the previous scan, oldest first, with the payload that was dispatched.
     */
    @Test
    void scansReturnWhatWasDispatchedAndNotCompletedExactlyOnce() {
        qt().withExamples(60).forAll(lists().of(integers().between(0, 9)).ofSizeBetween(1, 60)).checkAssert(steps -> {
            Path sub;
            try {
                sub = java.nio.file.Files.createTempDirectory(dir, "model");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            try (RequestJournal j = RequestJournal.open(sub)) {
                RequestJournal.Log log = j.log("d");
                java.util.LinkedHashMap<Long, byte[]> open = new java.util.LinkedHashMap<>();
                int n = 0;
                for (int step : steps) {
                    if (step < 5) { // dispatch
                        byte[] payload = {(byte) n, (byte) (n >> 8), (byte) step};
                        open.put(log.accepted(new DriverRequest("op" + n++, payload, step % 2 == 0)), payload);
                    } else if (step < 8 && !open.isEmpty()) { // complete one of the open ones
                        Long seq = new ArrayList<>(open.keySet()).get(step % open.size());
                        log.completed(seq);
                        open.remove(seq);
                    } else { // the instance dies: scan
                        List<RequestJournal.Entry> got = log.unfinished();
                        assertEquals(new ArrayList<>(open.keySet()), got.stream().map(RequestJournal.Entry::seq).toList());
                        for (RequestJournal.Entry e : got) assertArrayEquals(open.get(e.seq()), e.request().payload());
                        open.clear();
                    }
                }
                assertEquals(new ArrayList<>(open.keySet()), log.unfinished().stream().map(RequestJournal.Entry::seq).toList());
                assertTrue(log.unfinished().isEmpty());
            }
        });
    }

    @Test
    void whatWasInFlightWhenTheKernelStoppedIsFoundWhenTheLogIsOpenedAgain() {
        try (RequestJournal j = RequestJournal.open(dir)) {
            RequestJournal.Log log = j.log("disk");
            log.completed(log.accepted(new DriverRequest("read", new byte[] {1}, true)));
            log.accepted(new DriverRequest("write", new byte[] {9, 9}, false));
        }
        try (RequestJournal j = RequestJournal.open(dir)) {
            List<RequestJournal.Entry> open = j.log("disk").unfinished();
            assertEquals(1, open.size());
            assertEquals("write", open.get(0).request().operation());
            assertArrayEquals(new byte[] {9, 9}, open.get(0).request().payload());
            assertTrue(j.log("other").unfinished().isEmpty());
        }
    }

    @Test
    void aDriverStartedOnALogWithLeftoversOfAnEarlierRunReportsThemInTheJournal() throws Exception {
        try (RequestJournal earlier = RequestJournal.open(dir)) {
            earlier.log("disk").accepted(new DriverRequest("write", new byte[] {5}, false)); // the kernel stopped here
        }
        RequestJournal requests = RequestJournal.open(dir);
        toClose.add(requests);
        DriverManager manager = managerWith(requests, new CountDownLatch(1));
        manager.start("disk", "dev.kosh.driver.disk", Set.of("log"), false, TIMEOUT).orThrow();
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("WARN driver disk: 1 request(s) dispatched before the driver last ended"
                + " were never completed: [#") && l.endsWith(" write]")), lines.toString());
        assertTrue(requests.log("disk").unfinished().isEmpty(), "reported once, then closed");
    }

    @Test
    void aBrokenRequestJournalDoesNotTakeTheDriverDown() throws Exception {
        RequestJournal requests = RequestJournal.open(dir);
        toClose.add(requests);
        CountDownLatch inside = new CountDownLatch(1);
        DriverManager manager = managerWith(requests, inside);
        DriverInfo first = manager.start("disk", "dev.kosh.driver.disk", Set.of("log"), false, TIMEOUT).orThrow();
        assertInstanceOf(DriverResponse.Ok.class, manager.call("disk", new DriverRequest("ping", null, true), TIMEOUT).orThrow());
        requests.close(); // its queues close under the running driver, as a failed disk would fail them
        assertInstanceOf(DriverResponse.Ok.class, manager.call("disk", new DriverRequest("ping", null, true), TIMEOUT).orThrow(),
                "requests are still served");
        assertEquals(1, lines.stream().filter(l -> l.startsWith("ERROR driver disk: request journal failed")).count(), lines.toString());

        CompletableFuture<SysResult<DriverResponse>> read = CompletableFuture.supplyAsync(() -> {
            try {
                return manager.call("disk", new DriverRequest("read", new byte[] {42, 7}, true), TIMEOUT);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(inside.await(5, TimeUnit.SECONDS));
        table.signal(first.pid(), Signal.KILL, "test: the driver process dies");
        DriverResponse r = read.get(5, TimeUnit.SECONDS).orThrow();
        assertArrayEquals(new byte[] {42, 7, 2}, assertInstanceOf(DriverResponse.Ok.class, r).payload(),
                "replayed from the caller's copy when the journal cannot give it back");
        assertTrue(eventually(() -> lines.stream().anyMatch(l -> l.contains("replaying the request in flight (the caller's copy)"))),
                lines.toString());
    }

    private static boolean eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(2);
        }
        return true;
    }

    /** A driver whose first instance blocks in "read" until its process is killed; later instances answer at once. */
    private static final class Stuck implements KoshDriver {
        final int instance;
        final CountDownLatch inside;

        Stuck(int instance, CountDownLatch inside) {
            this.instance = instance;
            this.inside = inside;
        }

        public Optional<DriverError> init() {
            return Optional.empty();
        }

        public DriverResponse handleRequest(DriverRequest request) {
            if (instance == 1 && !request.operation().equals("ping")) {
                inside.countDown();
                try {
                    new CountDownLatch(1).await(); // until KILL interrupts it
                } catch (InterruptedException e) {
                    throw new IllegalStateException("interrupted by the kill");
                }
            }
            byte[] p = request.payload();
            byte[] out = new byte[p.length + 1];
            System.arraycopy(p, 0, out, 0, p.length);
            out[p.length] = (byte) instance;
            return DriverResponse.ok(out);
        }

        public void cleanup() {
        }

        public DriverCapabilities getCapabilities() {
            return new DriverCapabilities("block", Set.of("read", "write", "ping"));
        }
    }

    private DriverManager managerWith(RequestJournal requests, CountDownLatch inside) {
        AtomicInteger instances = new AtomicInteger();
        DriverManager[] manager = new DriverManager[1];
        ProcessTable table = new ProcessTable(new KernelThreads(), bundle -> SysResult.ok(new ProgramImage() {
            public String name() {
                return bundle;
            }

            public String origin() {
                return bundle + " 1.0";
            }

            public Set<String> declaredCapabilities() {
                return Set.of("log");
            }

            public Program instantiate() {
                return manager[0].hostFor("disk", new Stuck(instances.incrementAndGet(), inside)).orThrow();
            }
        }), new ListJournal(lines), (pid, text) -> { }, Duration.ofSeconds(1));
        table.createInit(new CapabilitySet(Set.of("log")));
        this.table = table;
        toClose.add(() -> {
            table.terminateAll(Duration.ofSeconds(1));
            table.close();
        });
        manager[0] = new DriverManager(table, new ListJournal(lines), new DeviceRegistry(), requests);
        return manager[0];
    }

    @Test
    void anIdempotentRequestInFlightWhenTheDriverProcessDiesIsAnsweredByTheNextInstanceFromTheJournal() throws Exception {
        RequestJournal requests = RequestJournal.open(dir);
        toClose.add(requests);
        CountDownLatch inside = new CountDownLatch(1);
        DriverManager manager = managerWith(requests, inside);
        DriverInfo first = manager.start("disk", "dev.kosh.driver.disk", Set.of("log"), false, TIMEOUT).orThrow();
        assertInstanceOf(DriverResponse.Ok.class, manager.call("disk", new DriverRequest("ping", null, true), TIMEOUT).orThrow());

        CompletableFuture<SysResult<DriverResponse>> read = CompletableFuture.supplyAsync(() -> {
            try {
                return manager.call("disk", new DriverRequest("read", new byte[] {42, 7}, true), TIMEOUT);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(inside.await(5, TimeUnit.SECONDS));
        // The request is in the journal, accepted and not completed, while the driver holds it.
        List<RequestJournal.Entry> open = requests.log("disk").open();
        assertEquals(1, open.size(), open.toString());
        assertArrayEquals(new byte[] {42, 7}, open.get(0).request().payload());
        table.signal(first.pid(), Signal.KILL, "test: the driver process dies"); // as a crash would end it

        DriverResponse r = read.get(5, TimeUnit.SECONDS).orThrow();
        assertArrayEquals(new byte[] {42, 7, 2}, assertInstanceOf(DriverResponse.Ok.class, r).payload(), "answered by instance 2");
        // The restart line is journaled once the new instance is spawned, which may be after it answered.
        assertTrue(eventually(() -> lines.stream().anyMatch(l -> l.contains("replaying the request in flight from the request journal"))),
                lines.toString());
        assertTrue(lines.stream().noneMatch(l -> l.contains("missing from the request journal")), lines.toString());
        assertTrue(requests.log("disk").unfinished().isEmpty(), "the replayed request was completed by the new instance");
    }

    @Test
    void aNonIdempotentRequestInFlightWhenTheDriverDiesIsAnsweredRestartedAndClosedInTheJournal() throws Exception {
        RequestJournal requests = RequestJournal.open(dir);
        toClose.add(requests);
        CountDownLatch inside = new CountDownLatch(1);
        DriverManager manager = managerWith(requests, inside);
        DriverInfo first = manager.start("disk", "dev.kosh.driver.disk", Set.of("log"), false, TIMEOUT).orThrow();
        CompletableFuture<SysResult<DriverResponse>> write = CompletableFuture.supplyAsync(() -> {
            try {
                return manager.call("disk", new DriverRequest("write", new byte[] {1}, false), TIMEOUT);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(inside.await(5, TimeUnit.SECONDS));
        table.signal(first.pid(), Signal.KILL, "test: the driver process dies");
        DriverResponse r = write.get(5, TimeUnit.SECONDS).orThrow();
        assertEquals(DriverError.Code.RESTARTED, assertInstanceOf(DriverResponse.Failed.class, r).error().code());
        assertTrue(requests.log("disk").unfinished().isEmpty(), "the manager closed it when it answered");
        assertInstanceOf(DriverResponse.Ok.class, manager.call("disk", new DriverRequest("write", new byte[] {2}, false), TIMEOUT).orThrow());
    }
}
