package dev.kosh.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kosh.api.Errno;
import dev.kosh.api.Program;
import dev.kosh.api.SysResult;
import dev.kosh.driver.api.DriverCapabilities;
import dev.kosh.driver.api.DriverError;
import dev.kosh.driver.api.DriverRequest;
import dev.kosh.driver.api.DriverResponse;
import dev.kosh.driver.api.KoshDriver;
import dev.kosh.kernel.journal.Journal;
import dev.kosh.kernel.process.CapabilitySet;
import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.kernel.process.ProcessTable;
import dev.kosh.kernel.process.ProgramImage;
import dev.kosh.scheduler.KernelThreads;

@Timeout(15)
class DriverManagerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final List<String> journal = new CopyOnWriteArrayList<>();
    /** Bundle name → the driver a new process of it runs. */
    private final Map<String, Supplier<KoshDriver>> bundles = new ConcurrentHashMap<>();
    /** Bundle name → the driver name the bundle declares. */
    private final Map<String, String> driverNames = new ConcurrentHashMap<>();
    private final ProcessTable table;
    private final DriverManager manager;
    private final CountDownLatch release = new CountDownLatch(1);

    DriverManagerTest() {
        table = new ProcessTable(new KernelThreads(), this::load, new ListJournal(journal), (pid, text) -> { }, Duration.ofSeconds(1));
        table.createInit(new CapabilitySet(Set.of("console", "log", "spawn", "publish")));
        manager = new DriverManager(table, new ListJournal(journal));
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        table.terminateAll(Duration.ofSeconds(1));
        table.close();
    }

    /** The launcher's loader, in small: a driver bundle's program is the manager's host for its driver. */
    private SysResult<ProgramImage> load(String bundle) {
        Supplier<KoshDriver> driver = bundles.get(bundle);
        if (driver == null) return SysResult.err(Errno.NO_SUCH_PROGRAM, "no bundle " + bundle);
        return SysResult.ok(new ProgramImage() {
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
                return manager.hostFor(driverNames.get(bundle), driver.get()).orThrow();
            }
        });
    }

    /** A driver that echoes payloads and counts its lifecycle calls. */
    private static class EchoDriver implements KoshDriver {
        final AtomicInteger cleanups = new AtomicInteger();

        public Optional<DriverError> init() {
            return Optional.empty();
        }

        public DriverResponse handleRequest(DriverRequest request) {
            return switch (request.operation()) {
                case "echo" -> DriverResponse.ok(request.payload());
                case "throw" -> throw new IllegalStateException("device on fire");
                case "null" -> null;
                default -> DriverResponse.failed(DriverError.Code.NOT_SUPPORTED, request.operation());
            };
        }

        public void cleanup() {
            cleanups.incrementAndGet();
        }

        public DriverCapabilities getCapabilities() {
            return new DriverCapabilities("char", Set.of("echo"));
        }
    }

    private void install(String name, Supplier<KoshDriver> driver) {
        bundles.put("dev.kosh.driver." + name, driver);
        driverNames.put("dev.kosh.driver." + name, name);
    }

    private SysResult<DriverInfo> start(String name) throws InterruptedException {
        return manager.start(name, "dev.kosh.driver." + name, Set.of("log"), false, TIMEOUT);
    }

    private SysResult<DriverInfo> startUnsupervised(String name) throws InterruptedException {
        return manager.start(name, "dev.kosh.driver." + name, Set.of("log"), false, Supervision.NONE, TIMEOUT);
    }

    // ---- supervision ---------------------------------------------------------------------------

    @Test
    void aFaultingDriverIsRestartedItsCallerHearsRestartedAndTheNewInstanceServes() throws Exception {
        install("fragile", EchoDriver::new);
        int firstPid = start("fragile").orThrow().pid();
        manager.call("fragile", DriverRequest.of("echo", new byte[] {1}), TIMEOUT).orThrow();
        long t0 = System.nanoTime();
        DriverResponse r = manager.call("fragile", DriverRequest.of("throw", null), TIMEOUT).orThrow();
        DriverError error = assertInstanceOf(DriverResponse.Failed.class, r).error();
        assertEquals(DriverError.Code.RESTARTED, error.code(), "a non-idempotent request is not replayed blindly");
        assertTrue(error.message().contains("device on fire"), error.message());
        DriverResponse after = manager.call("fragile", DriverRequest.of("echo", new byte[] {7}), TIMEOUT).orThrow();
        long micros = (System.nanoTime() - t0) / 1000;
        System.out.println("driver fault → new instance answered in " + micros + " µs");
        assertArrayEquals(new byte[] {7}, assertInstanceOf(DriverResponse.Ok.class, after).payload());
        DriverInfo info = info("fragile");
        assertEquals(DriverState.RUNNING, info.state());
        assertEquals(1, info.restarts());
        assertEquals(1, info.faults());
        assertTrue(info.pid() != firstPid && info.pid() > 0, "a new process serves");
        CrashDump dump = manager.crashDump("fragile").orElseThrow();
        assertEquals(firstPid, dump.pid());
        assertTrue(dump.cause().contains("device on fire"), dump.cause());
        assertEquals("throw", dump.inFlight());
        assertTrue(dump.lastRequests().get(0).startsWith("echo(1 B"), dump.lastRequests().toString());
        assertTrue(dump.stack().getFirst().contains("EchoDriver.handleRequest"), "the dump says where it threw: " + dump.stack());
        assertTrue(dump.format().contains("\n  stack:\n    at dev.kosh.driver.DriverManagerTest$EchoDriver.handleRequest"), dump.format());
        assertTrue(journal.stream().anyMatch(l -> l.startsWith("ERROR driver fragile: pid " + firstPid + " faulted") && l.contains("crash dump")), journal.toString());
        // Written once the new instance's spawn returns, which may be after that instance answered.
        await("the restart in the journal", () -> journal.stream().anyMatch(l -> l.startsWith("WARN driver fragile: restarted as pid")));
    }

    @Test
    void anIdempotentRequestInFlightAtAFaultIsReplayedToTheNewInstance() throws Exception {
        AtomicInteger instances = new AtomicInteger();
        install("flaky", () -> {
            boolean first = instances.incrementAndGet() == 1;
            return new EchoDriver() {
                @Override
                public DriverResponse handleRequest(DriverRequest request) {
                    if (first && request.operation().equals("read")) throw new IllegalStateException("bus glitch");
                    return DriverResponse.ok(("read by instance " + instances.get()).getBytes());
                }
            };
        });
        start("flaky").orThrow();
        DriverResponse r = manager.call("flaky", new DriverRequest("read", null, true), TIMEOUT).orThrow();
        assertEquals("read by instance 2", new String(assertInstanceOf(DriverResponse.Ok.class, r).payload()));
        assertEquals(1, info("flaky").restarts());
    }

    @Test
    void pastItsRestartIntensityADriverIsMarkedFailed() throws Exception {
        install("fragile", EchoDriver::new);
        manager.start("fragile", "dev.kosh.driver.fragile", Set.of("log"), false, new Supervision(2, Duration.ofSeconds(60)), TIMEOUT).orThrow();
        for (int i = 0; i < 2; i++) {
            assertEquals(DriverError.Code.RESTARTED, assertInstanceOf(DriverResponse.Failed.class,
                    manager.call("fragile", DriverRequest.of("throw", null), TIMEOUT).orThrow()).error().code());
            await("restarted", () -> info("fragile").state() == DriverState.RUNNING);
        }
        DriverResponse third = manager.call("fragile", DriverRequest.of("throw", null), TIMEOUT).orThrow();
        assertEquals(DriverError.Code.FAULT, assertInstanceOf(DriverResponse.Failed.class, third).error().code(), journal.toString());
        assertEquals(DriverState.FAILED, info("fragile").state());
        assertEquals(2, info("fragile").restarts());
        assertTrue(journal.stream().anyMatch(l -> l.contains("restarted 2 times within 60 s; marked failed")), journal.toString());
    }

    @Test
    void aDriverThatHangsPastItsCallersDeadlineIsKilledAndRestarted() throws Exception {
        install("sleepy", () -> new EchoDriver() {
            @Override
            public DriverResponse handleRequest(DriverRequest request) {
                if (request.operation().equals("hang")) LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(30));
                return super.handleRequest(request);
            }
        });
        int firstPid = start("sleepy").orThrow().pid();
        DriverResponse r = manager.call("sleepy", DriverRequest.of("hang", null), Duration.ofMillis(200)).orThrow();
        assertEquals(DriverError.Code.TIMEOUT, assertInstanceOf(DriverResponse.Failed.class, r).error().code());
        await("restarted", () -> info("sleepy").state() == DriverState.RUNNING && info("sleepy").pid() != firstPid);
        assertInstanceOf(DriverResponse.Ok.class, manager.call("sleepy", DriverRequest.of("echo", null), TIMEOUT).orThrow());
        CrashDump dump = manager.crashDump("sleepy").orElseThrow();
        assertTrue(dump.cause().startsWith("hung"), dump.toString());
        assertTrue(dump.stack().stream().anyMatch(f -> f.contains("handleRequest")) && dump.stack().getFirst().contains("park"),
                "the dump says where the instance hung, taken before the kill: " + dump.stack());
    }

    @Test
    void noAcknowledgedRequestIsLostAcrossARestart() throws Exception {
        install("fragile", EchoDriver::new);
        start("fragile").orThrow();
        int callers = 4, perCaller = 50;
        List<Thread> threads = new java.util.ArrayList<>();
        AtomicInteger answered = new AtomicInteger(), wrong = new AtomicInteger();
        for (int c = 0; c < callers; c++) {
            int id = c;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < perCaller; i++) {
                    byte[] payload = {(byte) id, (byte) i};
                    try {
                        DriverResponse r = manager.call("fragile", new DriverRequest("echo", payload, true), TIMEOUT).orThrow();
                        if (r instanceof DriverResponse.Ok ok && java.util.Arrays.equals(ok.payload(), payload)) answered.incrementAndGet();
                        else wrong.incrementAndGet();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }));
        }
        for (int f = 0; f < 3; f++) {
            manager.call("fragile", DriverRequest.of("throw", null), TIMEOUT).orThrow();
        }
        for (Thread t : threads) t.join(TimeUnit.SECONDS.toMillis(20));
        assertEquals(0, wrong.get(), "every echo was answered with its own payload");
        assertEquals(callers * perCaller, answered.get());
        assertEquals(3, info("fragile").restarts());
    }

    /**
     * With a CPU to spare, callers spin for answers and an idle driver polls its channel before
     * parking: the same guarantees hold (every answer its caller's, across restarts), and the
     * slot learns how fast the driver answers.
     */
    @Test
    void withACpuToSpareCallersSpinAndTheDriverPollsAndNothingIsLost() throws Exception {
        AnswerWait.spareOverride = true;
        try {
            install("quick", EchoDriver::new);
            start("quick").orThrow();
            for (int i = 0; i < 200; i++) {
                byte[] payload = {(byte) i};
                DriverResponse r = manager.call("quick", new DriverRequest("echo", payload, true), TIMEOUT).orThrow();
                assertArrayEquals(payload, assertInstanceOf(DriverResponse.Ok.class, r).payload());
            }
            DriverManager.Slot slot = manager.slotForTest("quick");
            assertTrue(slot.answers.averageNanos() > 0 && slot.answers.averageNanos() < TIMEOUT.toNanos(), "answer time learned");
            int callers = 3, perCaller = 40;
            AtomicInteger answered = new AtomicInteger(), wrong = new AtomicInteger();
            List<Thread> threads = new java.util.ArrayList<>();
            for (int c = 0; c < callers; c++) {
                int id = c;
                threads.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < perCaller; i++) {
                        byte[] payload = {(byte) id, (byte) i};
                        try {
                            DriverResponse r = manager.call("quick", new DriverRequest("echo", payload, true), TIMEOUT).orThrow();
                            if (r instanceof DriverResponse.Ok ok && java.util.Arrays.equals(ok.payload(), payload)) answered.incrementAndGet();
                            else wrong.incrementAndGet();
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }));
            }
            DriverResponse restarted = manager.call("quick", DriverRequest.of("throw", null), TIMEOUT).orThrow();
            assertEquals(DriverError.Code.RESTARTED, assertInstanceOf(DriverResponse.Failed.class, restarted).error().code());
            for (Thread t : threads) t.join(TimeUnit.SECONDS.toMillis(20));
            assertEquals(0, wrong.get());
            assertEquals(callers * perCaller, answered.get());
        } finally {
            AnswerWait.spareOverride = null;
        }
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
            LockSupport.parkNanos(1_000_000);
        }
    }

    private DriverInfo info(String name) {
        return manager.list().stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void startedDriverRunsAsAProcessUnderInit() throws Exception {
        install("echo", EchoDriver::new);
        DriverInfo info = start("echo").orThrow();
        assertEquals(DriverState.RUNNING, info.state());
        assertEquals(new DriverCapabilities("char", Set.of("echo")), info.capabilities());
        assertTrue(manager.available("echo"));
        KoshProcess p = table.get(info.pid()).orElseThrow();
        assertEquals("drv:echo", p.name());
        assertEquals(ProcessTable.INIT_PID, p.parentPid());
        assertEquals(Set.of("log"), p.capabilities().names());
        assertEquals(List.of("echo"), manager.driversFromBundle("dev.kosh.driver.echo"));
    }

    @Test
    void callReturnsTheDriversResponse() throws Exception {
        install("echo", EchoDriver::new);
        start("echo").orThrow();
        DriverResponse r = manager.call("echo", DriverRequest.of("echo", new byte[] {1, 2, 3}), TIMEOUT).orThrow();
        assertArrayEquals(new byte[] {1, 2, 3}, assertInstanceOf(DriverResponse.Ok.class, r).payload());
        DriverResponse unsupported = manager.call("echo", DriverRequest.of("format", null), TIMEOUT).orThrow();
        assertEquals(DriverError.Code.NOT_SUPPORTED, assertInstanceOf(DriverResponse.Failed.class, unsupported).error().code());
        assertEquals(2, info("echo").requests());
    }

    @Test
    void aDriverReturningNoResponseAnswersFaultWhenNotSupervised() throws Exception {
        install("echo", EchoDriver::new);
        startUnsupervised("echo").orThrow();
        DriverResponse r = manager.call("echo", DriverRequest.of("null", null), TIMEOUT).orThrow();
        assertEquals(DriverError.Code.FAULT, assertInstanceOf(DriverResponse.Failed.class, r).error().code());
    }

    @Test
    void aDriverThatFailsInitIsFailedWithTheReason() throws Exception {
        install("bad", () -> new EchoDriver() {
            @Override
            public Optional<DriverError> init() {
                return Optional.of(new DriverError(DriverError.Code.DEVICE_ERROR, "no such device"));
            }
        });
        var err = assertInstanceOf(SysResult.Err.class, start("bad"));
        assertEquals(Errno.CLOSED, err.errno());
        assertTrue(err.message().contains("no such device"), err.message());
        DriverInfo info = info("bad");
        assertEquals(DriverState.FAILED, info.state());
        assertEquals("init: DEVICE_ERROR no such device", info.lastError());
        assertTrue(journal.contains("ERROR driver bad: init failed: DEVICE_ERROR: no such device"), journal.toString());
    }

    @Test
    void aDriverWhoseInitThrowsIsFailedToo() throws Exception {
        install("thrower", () -> new EchoDriver() {
            @Override
            public Optional<DriverError> init() {
                throw new IllegalStateException("probe crashed");
            }
        });
        assertInstanceOf(SysResult.Err.class, start("thrower"));
        assertEquals(DriverState.FAILED, info("thrower").state());
        assertTrue(info("thrower").lastError().contains("probe crashed"), info("thrower").lastError());
    }

    @Test
    void anUnsupervisedDriverThatThrowsInHandleRequestAnswersFaultAndIsMarkedFailed() throws Exception {
        EchoDriver driver = new EchoDriver();
        install("fragile", () -> driver);
        KoshProcess p = table.get(startUnsupervised("fragile").orThrow().pid()).orElseThrow();
        DriverResponse r = manager.call("fragile", DriverRequest.of("throw", null), TIMEOUT).orThrow();
        DriverError error = assertInstanceOf(DriverResponse.Failed.class, r).error();
        assertEquals(DriverError.Code.FAULT, error.code());
        assertTrue(error.message().contains("device on fire"), error.message());
        assertEquals(3, p.exitFuture().get(5, TimeUnit.SECONDS).code(), "the driver process is ended: isolated");
        DriverInfo info = info("fragile");
        assertEquals(DriverState.FAILED, info.state());
        assertEquals(1, info.faults());
        assertTrue(info.lastError().contains("device on fire"), info.lastError());
        assertEquals(1, driver.cleanups.get());
        DriverResponse after = manager.call("fragile", DriverRequest.of("echo", null), TIMEOUT).orThrow();
        assertEquals(DriverError.Code.UNAVAILABLE, assertInstanceOf(DriverResponse.Failed.class, after).error().code());
    }

    @Test
    void callToAnUnknownDriverIsRefused() throws Exception {
        var err = assertInstanceOf(SysResult.Err.class, manager.call("ghost", DriverRequest.of("echo", null), TIMEOUT));
        assertEquals(Errno.INVALID_ARGUMENT, err.errno());
        assertTrue(err.message().contains("ghost"));
        assertEquals(Errno.INVALID_ARGUMENT, assertInstanceOf(SysResult.Err.class, manager.call("ghost", null, TIMEOUT)).errno());
    }

    @Test
    void stopAnswersPendingRequestsUnavailableAndCleansUp() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        EchoDriver driver = new EchoDriver() {
            @Override
            public DriverResponse handleRequest(DriverRequest request) {
                if (request.operation().equals("slow")) {
                    inside.countDown();
                    boolean done = false;
                    while (!done) {
                        try {
                            done = finish.await(5, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            // the stop's TERM interrupts; this request finishes anyway
                        }
                    }
                    return DriverResponse.ok(new byte[] {7});
                }
                return super.handleRequest(request);
            }
        };
        install("slow", () -> driver);
        KoshProcess p = table.get(start("slow").orThrow().pid()).orElseThrow();
        CompletableFuture<DriverResponse> first = CompletableFuture.supplyAsync(() -> call("slow", "slow"));
        assertTrue(inside.await(5, TimeUnit.SECONDS));
        List<CompletableFuture<DriverResponse>> queued = List.of(new CompletableFuture<>(), new CompletableFuture<>());
        List<Thread> callers = queued.stream().map(f -> Thread.ofPlatform().start(() -> f.complete(call("slow", "echo")))).toList();
        // a caller waiting for its reply has put its request in the channel
        await("both requests queued", () -> callers.stream().allMatch(t -> t.getState() == Thread.State.TIMED_WAITING));

        CompletableFuture<SysResult<DriverInfo>> stopped = CompletableFuture.supplyAsync(() -> {
            try {
                return manager.stop("slow", TIMEOUT);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await("TERM delivered", p::terminationRequested);
        finish.countDown();

        assertEquals(DriverState.STOPPED, stopped.get(5, TimeUnit.SECONDS).orThrow().state());
        assertInstanceOf(DriverResponse.Ok.class, first.get(5, TimeUnit.SECONDS), "the request in progress completes");
        for (CompletableFuture<DriverResponse> q : queued) {
            DriverResponse r = q.get(5, TimeUnit.SECONDS);
            assertEquals(DriverError.Code.UNAVAILABLE, assertInstanceOf(DriverResponse.Failed.class, r).error().code());
        }
        assertEquals(0, p.exitFuture().get(5, TimeUnit.SECONDS).code());
        assertEquals(1, driver.cleanups.get());
        assertTrue(manager.list().isEmpty(), "a stopped driver leaves the manager");
        assertEquals(Errno.INVALID_ARGUMENT, assertInstanceOf(SysResult.Err.class, manager.stop("slow", TIMEOUT)).errno());
    }

    private DriverResponse call(String name, String op) {
        try {
            return manager.call(name, DriverRequest.of(op, null), TIMEOUT).orThrow();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void hostForIsRefusedUnlessTheManagerIsStartingThatDriver() throws Exception {
        var err = assertInstanceOf(SysResult.Err.class, manager.hostFor("echo", new EchoDriver()));
        assertEquals(Errno.NO_CAPABILITY, err.errno());
        install("echo", EchoDriver::new);
        start("echo").orThrow();
        assertEquals(Errno.NO_CAPABILITY, assertInstanceOf(SysResult.Err.class, manager.hostFor("echo", new EchoDriver())).errno(),
                "a running driver cannot be started a second time around the manager");
    }

    @Test
    void aRunningDriverCannotBeStartedTwice() throws Exception {
        install("echo", EchoDriver::new);
        start("echo").orThrow();
        assertEquals(Errno.INVALID_ARGUMENT, assertInstanceOf(SysResult.Err.class, start("echo")).errno());
    }

    @Test
    void aFailedDriverCanBeStartedAgain() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        install("flaky", () -> new EchoDriver() {
            @Override
            public Optional<DriverError> init() {
                return attempts.incrementAndGet() == 1 ? Optional.of(new DriverError(DriverError.Code.BUSY, "not yet")) : Optional.empty();
            }
        });
        assertInstanceOf(SysResult.Err.class, start("flaky"));
        assertEquals(DriverState.RUNNING, start("flaky").orThrow().state());
    }

    @Test
    void aBundleThatIsNotInstalledFailsTheStart() throws Exception {
        var err = assertInstanceOf(SysResult.Err.class, start("absent"));
        assertEquals(Errno.NO_SUCH_PROGRAM, err.errno());
        assertEquals(DriverState.FAILED, info("absent").state());
        assertEquals(Errno.INVALID_ARGUMENT, assertInstanceOf(SysResult.Err.class,
                manager.start(null, "b", Set.of(), false, TIMEOUT)).errno());
    }

    @Test
    void anUnsupervisedDriverProcessKilledFromOutsideIsMarkedFailed() throws Exception {
        install("echo", EchoDriver::new);
        KoshProcess p = table.get(startUnsupervised("echo").orThrow().pid()).orElseThrow();
        table.signal(p.pid(), dev.kosh.api.Signal.KILL, "test");
        await("failed", () -> info("echo").state() == DriverState.FAILED);
        assertTrue(info("echo").lastError().contains("killed by KILL"), info("echo").lastError());
        assertEquals(0, info("echo").pid());
    }

    // ---- concurrent drivers --------------------------------------------------------------------

    /**
     * A concurrent driver: "echo" is held until a progress after {@link #gate} opens, then answered
     * (newest first: answers need not come in order); "now" is answered in submit; "never" is
     * never answered; "twice", "null", "throw" and "stranger" misbehave as named.
     */
    private static class QueueDriver implements dev.kosh.driver.api.ConcurrentDriver {
        static final int MAX = 8;
        final CountDownLatch gate;
        final java.util.ArrayDeque<Object[]> held = new java.util.ArrayDeque<>();
        final AtomicInteger maxHeld;
        final AtomicInteger progressed = new AtomicInteger();

        QueueDriver(CountDownLatch gate, AtomicInteger maxHeld) {
            this.gate = gate;
            this.maxHeld = maxHeld;
        }

        public int maxInFlight() {
            return MAX;
        }

        public Optional<DriverError> init() {
            return Optional.empty();
        }

        public void cleanup() {
        }

        public DriverCapabilities getCapabilities() {
            return new DriverCapabilities("queue", Set.of("echo", "now"));
        }

        public void submit(DriverRequest request, Reply reply) {
            switch (request.operation()) {
                case "now" -> reply.answer(DriverResponse.ok(request.payload()));
                case "twice" -> {
                    reply.answer(DriverResponse.ok(null));
                    reply.answer(DriverResponse.ok(null));
                }
                case "null" -> reply.answer(null);
                case "throw" -> throw new IllegalStateException("controller on fire");
                case "stranger" -> {
                    Thread t = Thread.ofPlatform().start(() -> reply.answer(DriverResponse.ok(null)));
                    try {
                        t.join();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                default -> {
                    held.addLast(new Object[] {request, reply});
                    maxHeld.accumulateAndGet(held.size(), Math::max);
                }
            }
        }

        public void progress(boolean wait) {
            progressed.incrementAndGet();
            try {
                if (!gate.await(wait ? 2 : 0, TimeUnit.MILLISECONDS)) return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            java.util.Iterator<Object[]> newestFirst = held.descendingIterator();
            while (newestFirst.hasNext()) {
                Object[] h = newestFirst.next();
                DriverRequest r = (DriverRequest) h[0];
                if (r.operation().equals("never")) continue;
                newestFirst.remove();
                ((Reply) h[1]).answer(DriverResponse.ok(r.payload()));
            }
        }
    }

    private CompletableFuture<DriverResponse> send(String driver, String op, byte[] payload, boolean idempotent) {
        return manager.send(driver, new DriverRequest(op, payload, idempotent), TIMEOUT).orThrow();
    }

    @Test
    void aConcurrentDriverHoldsSeveralRequestsAtOnceUpToItsLimitAndAnswersEachItsOwn() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger maxHeld = new AtomicInteger();
        install("queue", () -> new QueueDriver(gate, maxHeld));
        start("queue").orThrow();
        List<CompletableFuture<DriverResponse>> replies = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) replies.add(send("queue", "echo", new byte[] {(byte) i}, false));
        await("the driver holds its limit", () -> maxHeld.get() == QueueDriver.MAX);
        assertTrue(replies.stream().noneMatch(CompletableFuture::isDone), "nothing answered before the gate opens");
        gate.countDown();
        for (int i = 0; i < 40; i++) {
            DriverResponse r = replies.get(i).get(5, TimeUnit.SECONDS);
            assertArrayEquals(new byte[] {(byte) i}, assertInstanceOf(DriverResponse.Ok.class, r).payload(), "request " + i);
        }
        assertEquals(QueueDriver.MAX, maxHeld.get(), "never more than maxInFlight handed over");
        DriverResponse now = manager.call("queue", DriverRequest.of("now", new byte[] {9}), TIMEOUT).orThrow();
        assertArrayEquals(new byte[] {9}, assertInstanceOf(DriverResponse.Ok.class, now).payload());
        assertEquals(41, info("queue").requests());
    }

    @Test
    void atAFaultEveryRequestInFlightIsReplayedOrAnsweredRestartedAndTheDumpNamesThemAll() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger instances = new AtomicInteger();
        install("queue", () -> {
            instances.incrementAndGet();
            // The first instance holds everything; its successors answer at once.
            return new QueueDriver(instances.get() == 1 ? gate : new CountDownLatch(0), new AtomicInteger());
        });
        start("queue").orThrow();
        CompletableFuture<DriverResponse> a = send("queue", "echo", new byte[] {1}, true);
        CompletableFuture<DriverResponse> b = send("queue", "echo", new byte[] {2}, false);
        CompletableFuture<DriverResponse> c = send("queue", "echo", new byte[] {3}, true);
        await("three in flight", () -> manager.slotForTest("queue").servingDescription().split(", ").length == 3);
        DriverResponse thrown = manager.call("queue", DriverRequest.of("throw", null), TIMEOUT).orThrow();
        assertEquals(DriverError.Code.RESTARTED, assertInstanceOf(DriverResponse.Failed.class, thrown).error().code());
        assertArrayEquals(new byte[] {1}, assertInstanceOf(DriverResponse.Ok.class, a.get(5, TimeUnit.SECONDS)).payload(), "replayed");
        assertEquals(DriverError.Code.RESTARTED, assertInstanceOf(DriverResponse.Failed.class, b.get(5, TimeUnit.SECONDS)).error().code());
        assertArrayEquals(new byte[] {3}, assertInstanceOf(DriverResponse.Ok.class, c.get(5, TimeUnit.SECONDS)).payload(), "replayed");
        CrashDump dump = manager.crashDump("queue").orElseThrow();
        assertEquals("echo (idempotent), echo, echo (idempotent), throw", dump.inFlight());
        assertTrue(dump.cause().contains("controller on fire"), dump.cause());
        await("the replay in the journal", () -> journal.stream().anyMatch(l -> l.contains("replaying the 2 requests in flight (the caller's copy)")));
    }

    @Test
    void aConcurrentDriverAnsweringTwiceMalformedOrFromAnotherThreadIsIsolated() throws Exception {
        install("queue", () -> new QueueDriver(new CountDownLatch(0), new AtomicInteger()));
        start("queue").orThrow();
        for (String op : List.of("twice", "null", "stranger")) {
            DriverResponse r = manager.call("queue", DriverRequest.of(op, null), TIMEOUT).orThrow();
            assertEquals(DriverError.Code.RESTARTED, assertInstanceOf(DriverResponse.Failed.class, r).error().code(), op);
            String cause = manager.crashDump("queue").orElseThrow().cause();
            String expected = switch (op) {
                case "twice" -> "answered 'twice' twice";
                case "null" -> "answered 'null' with a malformed response: no response";
                default -> "answered a request from thread";
            };
            assertTrue(cause.contains(expected), op + ": " + cause);
            await("restarted", () -> info("queue").state() == DriverState.RUNNING);
        }
        assertEquals(3, info("queue").restarts());
    }

    @Test
    void theDeadlineAppliesToTheOldestRequestInFlightWhileOthersAreAnswered() throws Exception {
        install("queue", () -> new QueueDriver(new CountDownLatch(0), new AtomicInteger()));
        manager.start("queue", "dev.kosh.driver.queue", Set.of("log"), false,
                new Supervision(5, Duration.ofSeconds(60), Duration.ofMillis(1_000)), TIMEOUT).orThrow();
        int firstPid = info("queue").pid();
        CompletableFuture<DriverResponse> never = send("queue", "never", null, false);
        for (int i = 0; i < 20; i++) {
            DriverResponse r = manager.call("queue", DriverRequest.of("echo", new byte[] {(byte) i}), TIMEOUT).orThrow();
            assertInstanceOf(DriverResponse.Ok.class, r, "served beside the stuck one");
        }
        DriverResponse stuck = never.get(5, TimeUnit.SECONDS);
        assertEquals(DriverError.Code.RESTARTED, assertInstanceOf(DriverResponse.Failed.class, stuck).error().code());
        assertTrue(manager.crashDump("queue").orElseThrow().cause().startsWith("hung"), "killed by the deadline");
        await("restarted", () -> info("queue").state() == DriverState.RUNNING && info("queue").pid() != firstPid);
    }

    @Test
    void aConcurrentDriverServesASingleRequestDirectlyAndSendRefusesWhatCallRefuses() throws Exception {
        QueueDriver direct = new QueueDriver(new CountDownLatch(0), new AtomicInteger());
        assertArrayEquals(new byte[] {5}, assertInstanceOf(DriverResponse.Ok.class,
                direct.handleRequest(DriverRequest.of("echo", new byte[] {5}))).payload());
        assertArrayEquals(new byte[] {6}, assertInstanceOf(DriverResponse.Ok.class,
                direct.handleRequest(DriverRequest.of("now", new byte[] {6}))).payload());
        assertEquals(Errno.INVALID_ARGUMENT, assertInstanceOf(SysResult.Err.class, manager.send("nope", DriverRequest.of("x", null), TIMEOUT)).errno());
        assertEquals(Errno.INVALID_ARGUMENT, assertInstanceOf(SysResult.Err.class, manager.send("nope", null, TIMEOUT)).errno());
        install("queue", () -> new QueueDriver(new CountDownLatch(1), new AtomicInteger()));
        start("queue").orThrow();
        DriverResponse late = manager.send("queue", DriverRequest.of("echo", null), Duration.ofMillis(50)).orThrow().get(5, TimeUnit.SECONDS);
        assertEquals(DriverError.Code.TIMEOUT, assertInstanceOf(DriverResponse.Failed.class, late).error().code());
        CompletableFuture<DriverResponse> held = send("queue", "echo", null, true);
        manager.stop("queue", TIMEOUT).orThrow();
        assertEquals(DriverError.Code.UNAVAILABLE, assertInstanceOf(DriverResponse.Failed.class, held.get(5, TimeUnit.SECONDS)).error().code(),
                "a request in flight when the driver stops is answered");
        assertEquals(Errno.INVALID_ARGUMENT, assertInstanceOf(SysResult.Err.class, manager.send("queue", DriverRequest.of("echo", null), TIMEOUT)).errno());
    }
}
