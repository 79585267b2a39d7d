package dev.kosh.driver.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Histogram;

import dev.kosh.api.Errno;
import dev.kosh.api.Program;
import dev.kosh.api.Signal;
import dev.kosh.api.SysResult;
import dev.kosh.driver.DeviceRegistry;
import dev.kosh.driver.DriverInfo;
import dev.kosh.driver.DriverManager;
import dev.kosh.driver.DriverState;
import dev.kosh.driver.RequestJournal;
import dev.kosh.driver.Supervision;
import dev.kosh.driver.api.DriverError;
import dev.kosh.driver.api.DriverRequest;
import dev.kosh.driver.api.DriverResponse;
import dev.kosh.kernel.journal.ChronicleJournal;
import dev.kosh.kernel.process.CapabilitySet;
import dev.kosh.kernel.process.ProcessLimits;
import dev.kosh.kernel.process.ProcessTable;
import dev.kosh.kernel.process.ProgramImage;
import dev.kosh.scheduler.AllocationWatchdog;
import dev.kosh.scheduler.KernelThreads;

/**
 * The driver fault-injection campaign, reported the MINIX 3 way (issue 6): a driver that commits
 * injected faults of every class runs as a real driver process under the real driver manager —
 * process table, woven-code preemption points (the sandbox hooks), allocation watchdog, Chronicle
 * journal and request journal (in-flight requests replayed from it) — while clients stream
 * requests to it. It counts faults injected and detected, kernel
 * crashes, hangs and acknowledged requests lost, and the restart latency per class: from the
 * injector hearing its faulting request answered (or sending the TERM, for cleanup crashes) to
 * the first answer of the new instance.
 *
 * <p>The supervision is set to allow the campaign: {@link #POLICY} restarts in a second, which no
 * driver in {@code system.conf} would get (the default is 5 in 60 s); the intensity limit is
 * tested on its own ({@code FaultCampaignTest}). The driver's request deadline is the campaign's
 * {@code deadline} (each hang costs it).
 *
 * <p>Run: {@code scripts/fault-campaign FAULTS [CLIENTS] [DEADLINE_MS]}.
 */
public final class FaultCampaign implements AutoCloseable {
    static final String DRIVER = "faulty";
    static final String BUNDLE = "dev.kosh.driver.faulty";
    /** Restarts allowed per second during the campaign. */
    static final int POLICY = 1_000_000;
    /** The driver's allocation budget: a bomb passes the hard limit within a few milliseconds, echo traffic never. */
    static final ProcessLimits DRIVER_LIMITS = new ProcessLimits(64, 8L << 20, 32L << 20, Duration.ofMillis(100));
    static final Duration WATCHDOG_PERIOD = Duration.ofMillis(5);
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    /** A call that takes longer than this is counted as a hang. */
    static final Duration HANG = Duration.ofSeconds(5);

    private final Path directory;
    private final KernelThreads threads = new KernelThreads();
    private final ChronicleJournal journal;
    private final ProcessTable table;
    private final AllocationWatchdog watchdog;
    private final RequestJournal requests;
    private final DriverManager manager;
    private final FaultyDriver.Arming arming = new FaultyDriver.Arming();
    private final Duration deadline;
    private final AtomicLong kernelCrashes = new AtomicLong();
    private final List<String> notes = new CopyOnWriteArrayList<>();

    FaultCampaign(Path directory, Duration deadline) {
        this.directory = directory;
        this.deadline = deadline;
        journal = ChronicleJournal.open(directory.resolve("journal"));
        table = new ProcessTable(threads, this::load, journal, (pid, text) -> { }, Duration.ofSeconds(1));
        table.createInit(new CapabilitySet(Set.of("console", "log", "spawn", "publish")));
        table.installSandbox();
        table.useLimits(r -> r.displayName() != null && r.displayName().startsWith("drv:") ? DRIVER_LIMITS : ProcessLimits.DEFAULT);
        watchdog = new AllocationWatchdog(table, threads, WATCHDOG_PERIOD);
        if (!watchdog.start()) throw new IllegalStateException("this JVM cannot count allocations: no quota bombs can be caught");
        requests = RequestJournal.open(directory.resolve("driver-requests"));
        manager = new DriverManager(table, new Counting(journal), new DeviceRegistry(), requests);
    }

    private final AtomicLong replayedFromJournal = new AtomicLong();
    private final AtomicLong replayedFromMemory = new AtomicLong();

    /** The kernel journal, counting the manager's replay lines on the way (reading 10^6 entries back would cost more). */
    private final class Counting implements dev.kosh.kernel.journal.Journal {
        private final dev.kosh.kernel.journal.Journal inner;

        Counting(dev.kosh.kernel.journal.Journal inner) {
            this.inner = inner;
        }

        public int boot() {
            return inner.boot();
        }

        public void append(dev.kosh.kernel.journal.Severity severity, String source, String message) {
            if (message.contains("replaying the request in flight from the request journal")) replayedFromJournal.incrementAndGet();
            else if (message.contains("replaying the request in flight")) replayedFromMemory.incrementAndGet();
            if (message.contains("request journal") && !message.contains("replaying")) note(source + ": " + message);
            inner.append(severity, source, message);
        }

        public List<dev.kosh.kernel.journal.JournalEntry> read(int bootsAgo, int limit) {
            return inner.read(bootsAgo, limit);
        }

        public long sizeBytes() {
            return inner.sizeBytes();
        }

        public long entriesAppended() {
            return inner.entriesAppended();
        }

        public void close() {
            inner.close();
        }
    }

    /** The launcher's program loader, in small: the driver bundle's program is the manager's host for a new instance. */
    private SysResult<ProgramImage> load(String bundle) {
        if (!bundle.equals(BUNDLE)) return SysResult.err(Errno.NO_SUCH_PROGRAM, "no bundle " + bundle);
        return SysResult.ok(new ProgramImage() {
            public String name() {
                return BUNDLE;
            }

            public String origin() {
                return BUNDLE + " 1.0";
            }

            public Set<String> declaredCapabilities() {
                return Set.of("log");
            }

            public Program instantiate() {
                return manager.hostFor(DRIVER, new FaultyDriver(arming)).orThrow();
            }
        });
    }

    /** What a campaign found. Latencies in microseconds. */
    record Report(int faults, int clients, Duration deadline, Map<FaultClass, Long> injected, Map<FaultClass, Histogram> detectMicros,
                  Map<FaultClass, Histogram> restartMicros, Histogram allRestarts, long misattributed, long caughtByDeadline, long expectedDetections, long detected, long restarts, long kernelCrashes, long hangs,
                  long unexpectedReplies, long clientSent, long clientAnswered, long clientRestarted, long clientLost, long clientBusy,
                  Histogram clientMicros, DriverState finalState, boolean answersAtEnd, Duration took, long replayedFromJournal,
                  long replayedFromMemory, List<String> notes) {

        long lost() {
            return clientLost;
        }

        /** The MINIX-style table. */
        String table() {
            StringBuilder b = new StringBuilder();
            b.append(String.format("Driver fault-injection campaign: %,d faults in %.1f s, %d streaming clients, driver deadline %d ms, "
                    + "restart policy %,d in 1 s%n", faults, took.toMillis() / 1000.0, clients, deadline.toMillis(), POLICY));
            b.append(String.format("| %-26s | %9s | %12s | %12s | %12s | %12s |%n", "fault class", "injected", "detect p50",
                    "restart p50", "restart p99", "restart max"));
            b.append("|----------------------------|-----------|--------------|--------------|--------------|--------------|\n");
            for (FaultClass c : FaultClass.values()) {
                Histogram h = restartMicros.get(c);
                Histogram d = detectMicros.get(c);
                b.append(String.format("| %-26s | %,9d | %12s | %9.2f ms | %9.2f ms | %9.2f ms |%n", c.label, injected.get(c),
                        d.getTotalCount() == 0 ? "n/a" : String.format("%9.2f ms", ms(d.getValueAtPercentile(50))),
                        ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)), ms(h.getMaxValue())));
            }
            b.append(String.format("| %-26s | %,9d | %12s | %9.2f ms | %9.2f ms | %9.2f ms |%n", "all", faults, "",
                    ms(allRestarts.getValueAtPercentile(50)), ms(allRestarts.getValueAtPercentile(99)), ms(allRestarts.getMaxValue())));
            b.append("detect: the faulting request sent -> its caller answered (the fault seen and the instance gone); "
                    + "restart: that answer (for cleanup crashes: the TERM) -> the first answer of the new instance\n");
            b.append(String.format("faults detected by the manager: %,d (expected %,d: an init crash is two, a replayed idempotent fault two); restarts %,d%n",
                    detected, expectedDetections, restarts));
            b.append(String.format("kernel crashes: %d   hangs: %d   unexpected replies to injected faults: %d   "
                    + "crash dumps naming another cause than the injected one: %d%n", kernelCrashes, hangs, unexpectedReplies, misattributed));
            b.append(String.format("other faults caught by the deadline first (the instance held the faulting request past %d ms: "
                    + "a bomb before the watchdog's sample, a stack overflow, a GC pause): %,d%n", deadline.toMillis(), caughtByDeadline));
            b.append(String.format("client requests: %,d acknowledged, %,d answered with their own payload, %,d non-idempotent told RESTARTED, "
                    + "%,d lost; %,d refused BUSY; client latency p50 %.3f ms, p99 %.3f ms, max %.1f ms%n",
                    clientSent, clientAnswered, clientRestarted, clientLost, clientBusy,
                    ms(clientMicros.getValueAtPercentile(50)), ms(clientMicros.getValueAtPercentile(99)), ms(clientMicros.getMaxValue())));
            b.append(String.format("in-flight requests replayed to a new instance: %,d read back from the request journal, %,d from the caller's copy%n",
                    replayedFromJournal, replayedFromMemory));
            b.append("driver at the end: ").append(finalState.label()).append(answersAtEnd ? ", answering" : ", NOT answering").append('\n');
            for (String n : notes) b.append("note: ").append(n).append('\n');
            return b.toString();
        }

        private static double ms(long micros) {
            return micros / 1000.0;
        }
    }

    /** Runs {@code faults} injections with {@code clients} streaming clients; {@code seed} fixes the sequence of classes. */
    Report run(int faults, int clients, long seed) throws InterruptedException {
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        // Driver processes' threads end through the process table, which catches everything; a
        // throwable that reaches the default handler escaped a kernel thread: a kernel crash.
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            kernelCrashes.incrementAndGet();
            note("uncaught on " + t.getName() + ": " + e);
        });
        long started = System.nanoTime();
        try {
            SysResult<DriverInfo> up = start(new Supervision(POLICY, Duration.ofSeconds(1), deadline));
            if (!(up instanceof SysResult.Ok<DriverInfo>)) throw new IllegalStateException("the campaign driver did not start: " + up);
            List<CampaignClient> streamers = stream(clients, "campaign-client-");
            Map<FaultClass, Long> injected = new EnumMap<>(FaultClass.class);
            Map<FaultClass, Histogram> restart = new EnumMap<>(FaultClass.class);
            Map<FaultClass, Histogram> detect = new EnumMap<>(FaultClass.class);
            for (FaultClass c : FaultClass.values()) {
                injected.put(c, 0L);
                restart.put(c, new Histogram(3_600_000_000L, 3));
                detect.put(c, new Histogram(3_600_000_000L, 3));
            }
            long misattributed = 0, caughtByDeadline = 0;
            Histogram all = new Histogram(3_600_000_000L, 3);
            Random random = new Random(seed);
            long expected = 0, hangs = 0, unexpected = 0;
            int done = 0;
            int current = whoami().orElseThrow(() -> new IllegalStateException("the campaign driver does not answer"));
            for (; done < faults; done++) {
                FaultClass c = FaultClass.pick(random.nextInt(FaultClass.totalWeight()));
                int variant = random.nextInt(128);
                boolean idempotent = (c != FaultClass.INIT_CRASH && c != FaultClass.CLEANUP_CRASH) && random.nextInt(10) == 0;
                long t0 = System.nanoTime();
                DriverResponse reply = null;
                DriverError.Code wanted = idempotent ? DriverError.Code.FAULT : DriverError.Code.RESTARTED;
                switch (c) {
                    case CLEANUP_CRASH -> {
                        reply = call("arm-cleanup", new byte[0], false);
                        wanted = null;
                        int pid = info().pid();
                        t0 = System.nanoTime();
                        table.signal(pid, Signal.TERM, "fault injector");
                        expected++;
                    }
                    case INIT_CRASH -> {
                        arming.initCrashes.incrementAndGet();
                        reply = call("fault", new byte[] {(byte) c.ordinal(), 4}, false);
                        t0 = System.nanoTime();
                        expected += 2;
                    }
                    default -> {
                        reply = call("fault", new byte[] {(byte) c.ordinal(), (byte) variant}, idempotent);
                        long answered = System.nanoTime();
                        detect.get(c).recordValue((answered - t0) / 1000);
                        t0 = answered;
                        expected += idempotent ? 2 : 1;
                    }
                }
                boolean asExpected = wanted == null ? reply instanceof DriverResponse.Ok
                        : reply instanceof DriverResponse.Failed f && f.error().code() == wanted;
                if (!asExpected) {
                    unexpected++;
                    note(c.label + " fault " + done + " answered " + describe(reply));
                }
                // Recovery: the first answer from an instance newer than the one that faulted.
                long recoveryDeadline = System.nanoTime() + HANG.toNanos();
                int now;
                while (true) {
                    Optional<Integer> who = whoami();
                    if (who.isPresent() && who.get() > current) {
                        now = who.get();
                        break;
                    }
                    if (System.nanoTime() - recoveryDeadline > 0) {
                        hangs++;
                        note("no new instance answered within " + HANG.toMillis() + " ms after " + c.label + " fault " + done + "; driver " + info());
                        now = -1;
                        break;
                    }
                }
                if (now < 0) break;
                long micros = (System.nanoTime() - t0) / 1000;
                if (micros > HANG.toNanos() / 1000) hangs++;
                restart.get(c).recordValue(micros);
                all.recordValue(micros);
                injected.merge(c, 1L, Long::sum);
                current = now;
                // The crash dump must name the injected fault — or the deadline, which catches any
                // instance that holds a request too long, whatever it is doing meanwhile.
                String cause = manager.crashDump(DRIVER).map(d -> d.cause()).orElse("no crash dump");
                FaultClass seen = attribute(cause);
                if (seen == FaultClass.HANG && c != FaultClass.HANG) {
                    caughtByDeadline++;
                } else if (seen != c) {
                    misattributed++;
                    note(c.label + " fault " + done + " left a crash dump saying: " + cause);
                }
                if (info().state() != DriverState.RUNNING && info().state() != DriverState.RESTARTING) {
                    kernelCrashes.incrementAndGet();
                    note("driver is " + info().state().label() + " after fault " + done + ": " + info().lastError());
                    break;
                }
            }
            stopStreaming(streamers);
            boolean answering = whoami().isPresent();
            DriverInfo end = info();
            Histogram clientMicros = new Histogram(3_600_000_000L, 3);
            long sent = 0, answered = 0, told = 0, lost = 0, busy = 0;
            for (CampaignClient c : streamers) {
                clientMicros.add(c.latencyMicros);
                sent += c.sent;
                answered += c.answered;
                told += c.restarted;
                lost += c.lost;
                busy += c.busy;
                hangs += c.hangs;
                c.examples.forEach(this::note);
            }
            if (!answering) hangs++;
            if (table.get(ProcessTable.INIT_PID).map(p -> p.finished()).orElse(true)) {
                kernelCrashes.incrementAndGet();
                note("init is gone");
            }
            return new Report(done, clients, deadline, injected, detect, restart, all, misattributed, caughtByDeadline, expected, end.faults(), end.restarts(), kernelCrashes.get(),
                    hangs, unexpected, sent, answered, told, lost, busy, clientMicros, end.state(), answering,
                    Duration.ofNanos(System.nanoTime() - started), replayedFromJournal.get(), replayedFromMemory.get(), List.copyOf(notes));
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
    }

    /** What the clients saw while the driver was killed from outside, over and over. */
    record KillStorm(int kills, long sent, long answered, long restarted, long lost, long hangs, List<String> examples) {}

    /**
     * Kills the driver's current instance {@code kills} times from outside (SIGKILL at a random
     * moment of its serving loop, no fault of its own) while {@code clients} stream requests;
     * after each kill, waits for a newer instance to answer. What the clients saw.
     */
    KillStorm killStorm(int kills, int clients, long seed) throws InterruptedException {
        List<CampaignClient> streamers = stream(clients, "storm-client-");
        Random random = new Random(seed);
        int current = whoami().orElseThrow(() -> new IllegalStateException("the driver does not answer"));
        int done = 0;
        for (; done < kills; done++) {
            java.util.concurrent.locks.LockSupport.parkNanos(random.nextInt(200_000)); // a random moment of the stream
            table.signal(info().pid(), Signal.KILL, "kill storm");
            long until = System.nanoTime() + HANG.toNanos();
            Optional<Integer> who;
            while ((who = whoami()).isEmpty() || who.get() <= current) {
                if (System.nanoTime() - until > 0) break;
            }
            if (who.isEmpty() || who.get() <= current) break;
            current = who.get();
        }
        stopStreaming(streamers);
        long sent = 0, answered = 0, told = 0, lost = 0, hangs = 0;
        List<String> examples = new ArrayList<>();
        for (CampaignClient c : streamers) {
            sent += c.sent;
            answered += c.answered;
            told += c.restarted;
            lost += c.lost;
            hangs += c.hangs;
            examples.addAll(c.examples);
        }
        return new KillStorm(done, sent, answered, told, lost, hangs, examples);
    }

    /** Starts {@code clients} clients streaming echo requests, each on a thread of its own. */
    private List<CampaignClient> stream(int clients, String threadPrefix) {
        List<CampaignClient> streamers = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            CampaignClient c = new CampaignClient(manager, DRIVER, i, CALL_TIMEOUT, HANG);
            streamers.add(c);
            c.thread = Thread.ofPlatform().name(threadPrefix + i).start(c);
        }
        return streamers;
    }

    private static void stopStreaming(List<CampaignClient> streamers) throws InterruptedException {
        for (CampaignClient c : streamers) c.stop();
        for (CampaignClient c : streamers) c.thread.join(CALL_TIMEOUT.toMillis() * 2);
    }

    /** The fault class a crash dump's cause names. */
    static FaultClass attribute(String cause) {
        if (cause.startsWith("hung")) return FaultClass.HANG;
        if (cause.contains("past heap.hard")) return FaultClass.QUOTA_BOMB;
        if (cause.contains("malformed response")) return FaultClass.CORRUPT_REPLY;
        if (cause.startsWith("restarted instance failed init")) return FaultClass.INIT_CRASH;
        if (cause.startsWith("cleanup threw")) return FaultClass.CLEANUP_CRASH;
        return FaultClass.EXCEPTION;
    }

    /** Starts the campaign's driver under {@code supervision}. */
    SysResult<DriverInfo> start(Supervision supervision) throws InterruptedException {
        return manager.start(DRIVER, BUNDLE, Set.of("log"), false, supervision, Duration.ofSeconds(10));
    }

    private void note(String s) {
        if (notes.size() < 20) notes.add(s);
    }

    DriverResponse call(String op, byte[] payload, boolean idempotent) throws InterruptedException {
        long t0 = System.nanoTime();
        SysResult<DriverResponse> r = manager.call(DRIVER, new DriverRequest(op, payload, idempotent), CALL_TIMEOUT);
        if (System.nanoTime() - t0 > HANG.toNanos()) note(op + " took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        return switch (r) {
            case SysResult.Ok<DriverResponse> ok -> ok.value();
            case SysResult.Err<DriverResponse> err -> {
                kernelCrashes.incrementAndGet();
                note("call " + op + " refused: " + err);
                yield null;
            }
        };
    }

    /** The number of the instance that answers, if one does. */
    private Optional<Integer> whoami() throws InterruptedException {
        if (call("whoami", new byte[0], true) instanceof DriverResponse.Ok ok) {
            return Optional.of(Integer.parseInt(new String(ok.payload(), StandardCharsets.US_ASCII)));
        }
        return Optional.empty();
    }

    DriverInfo info() {
        return manager.list().stream().filter(d -> d.name().equals(DRIVER)).findFirst()
                .orElseThrow(() -> new IllegalStateException("the campaign driver left the manager"));
    }

    private static String describe(DriverResponse r) {
        return switch (r) {
            case null -> "nothing";
            case DriverResponse.Ok ok -> "Ok(" + ok.payloadLength() + " B)";
            case DriverResponse.Failed f -> f.error().code() + " " + f.error().message();
        };
    }

    DriverManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.shutdown();
        table.terminateAll(Duration.ofSeconds(2));
        watchdog.close();
        table.close();
        requests.close();
        journal.close();
    }

    public static void main(String[] args) throws Exception {
        int faults = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        Duration deadline = Duration.ofMillis(args.length > 2 ? Long.parseLong(args[2]) : 25);
        Path dir = Files.createTempDirectory("kosh-fault-campaign");
        Report r;
        try (FaultCampaign campaign = new FaultCampaign(dir, deadline)) {
            r = campaign.run(faults, clients, 6);
        }
        System.out.print(r.table());
        deleteTree(dir);
        boolean goals = r.kernelCrashes() == 0 && r.hangs() == 0 && r.lost() == 0 && r.faults() == faults;
        System.exit(goals ? 0 : 1);
    }

    static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
