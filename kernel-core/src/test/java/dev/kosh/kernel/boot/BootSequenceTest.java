package dev.kosh.kernel.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kosh.kernel.journal.Severity;
import dev.kosh.kernel.testing.MemoryJournal;

@Timeout(10)
class BootSequenceTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final MemoryJournal journal = new MemoryJournal();
    private final List<PhaseResult> observed = new ArrayList<>();
    private final List<String> ran = new ArrayList<>();
    private final BootSequence boot = new BootSequence(out, journal, observed::add);

    private BootPhase ok(String name, boolean essential) {
        return BootPhase.of(name, essential, () -> {
            ran.add(name);
            return name + " up";
        });
    }

    private BootPhase failing(String name, boolean essential, String reason) {
        return BootPhase.of(name, essential, () -> {
            ran.add(name);
            throw new IllegalStateException(reason);
        });
    }

    private List<String> lines() {
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void phasesRunInTheGivenOrderOneLineEach() {
        List<String> names = List.of("memory", "scheduler", "ipc", "driver-manager", "drivers", "init", "services");
        BootSequence.Outcome outcome = boot.run(names.stream().map(n -> ok(n, true)).toList());
        assertTrue(outcome.ok());
        assertEquals(names, ran);
        assertEquals(names, outcome.phases().stream().map(PhaseResult::phase).toList());
        assertEquals(names, observed.stream().map(PhaseResult::phase).toList());
        assertEquals(names.size(), lines().size());
        for (int i = 0; i < names.size(); i++) {
            assertTrue(lines().get(i).startsWith("[  OK  ] " + names.get(i)), lines().get(i));
            assertTrue(lines().get(i).endsWith("  " + names.get(i) + " up"), lines().get(i));
        }
        assertEquals(names.size(), journal.entries().stream().filter(e -> e.severity() == Severity.INFO && e.source().equals("boot")).count());
    }

    @Test
    void anEssentialFailureStopsTheBootAndLaterPhasesDoNotRun() {
        BootSequence.Outcome outcome = boot.run(List.of(ok("memory", true), failing("ipc", true, "no queues"), ok("init", true)));
        assertFalse(outcome.ok());
        assertEquals(List.of("memory", "ipc"), ran);
        assertEquals(2, outcome.phases().size());
        assertFalse(outcome.phases().get(1).ok());
        assertTrue(lines().get(1).startsWith("[FAILED] ipc"), lines().get(1));
        assertTrue(lines().get(1).endsWith("  no queues"), lines().get(1));
        assertEquals("kosh: boot stopped: essential phase 'ipc' failed", lines().get(2));
        assertTrue(journal.has(Severity.ERROR, "boot", "boot stopped: essential phase 'ipc' failed"), journal.dump());
        assertTrue(journal.has(Severity.ERROR, "boot", "[FAILED] ipc"), journal.dump());
    }

    @Test
    void aNonEssentialFailureIsReportedAndTheBootGoesOn() {
        BootSequence.Outcome outcome = boot.run(List.of(ok("memory", true), failing("dashboard", false, "port 7070 in use"), ok("init", true)));
        assertTrue(outcome.ok());
        assertEquals(List.of("memory", "dashboard", "init"), ran);
        assertTrue(lines().get(1).matches("\\[FAILED] dashboard +\\d+\\.\\d ms  port 7070 in use"), lines().get(1));
        assertTrue(lines().get(2).startsWith("[  OK  ] init"));
        assertEquals(List.of(true, false, true), observed.stream().map(PhaseResult::ok).toList());
    }

    @Test
    void aFailureWithoutMessageIsReportedByItsType() {
        boot.run(List.of(BootPhase.of("hal", false, () -> {
            throw new UnsupportedOperationException();
        })));
        assertTrue(lines().getFirst().endsWith("  java.lang.UnsupportedOperationException"), lines().getFirst());
    }

    @Test
    void aLinkageErrorFailsThePhaseInsteadOfTheBoot() {
        BootSequence.Outcome outcome = boot.run(List.of(BootPhase.of("memory", true, () -> {
            throw new NoClassDefFoundError("dev/kosh/memory/Arena");
        })));
        assertFalse(outcome.ok());
        assertTrue(lines().getFirst().startsWith("[FAILED] memory"), lines().getFirst());
    }

    @Test
    void theLineHasTheSystemdShape() {
        assertEquals("[  OK  ] ipc               0.8 ms  256 queues",
                new PhaseResult("ipc", true, true, Duration.ofNanos(800_000), "256 queues").line());
        assertEquals("[FAILED] drivers          12.0 ms  null: no such bundle",
                new PhaseResult("drivers", false, true, Duration.ofMillis(12), "null: no such bundle").line());
        assertEquals("[  OK  ] init              0.0 ms", new PhaseResult("init", true, true, Duration.ZERO, "").line());
        assertEquals("[  OK  ] init              0.0 ms", new PhaseResult("init", true, true, Duration.ZERO, null).line());
    }

    @Test
    void theLineUsesADecimalPointWhateverTheLocale() {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            assertEquals("[  OK  ] ipc               1.5 ms", new PhaseResult("ipc", true, true, Duration.ofNanos(1_500_000), "").line());
        } finally {
            Locale.setDefault(before);
        }
    }

    @Test
    void theLineMatchesTheBootOutput() {
        boot.run(List.of(ok("scheduler", true)));
        assertTrue(lines().getFirst().matches("\\[  OK  ] scheduler +\\d+\\.\\d ms  scheduler up"), lines().getFirst());
    }
}
