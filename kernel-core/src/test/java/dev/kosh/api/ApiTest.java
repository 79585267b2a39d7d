package dev.kosh.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import java.util.Locale;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.quicktheories.generators.SourceDSL;

/** The process API's value types: what programs see of results, exit statuses and signals. */
@Timeout(10)
class ApiTest {

    @Test
    void orThrowReturnsTheValueOrThrowsTheErrno() {
        assertEquals("v", SysResult.ok("v").orThrow());
        KoshException e = assertThrows(KoshException.class, () -> SysResult.err(Errno.TIMEOUT, "too slow").orThrow());
        assertEquals(Errno.TIMEOUT, e.errno());
        assertEquals("TIMEOUT: too slow", e.getMessage());
        assertTrue(SysResult.ok(null).isOk());
        assertFalse(SysResult.err(Errno.CLOSED, "x").isOk());
    }

    @Test
    void anErrorNeedsAnErrnoAndAMessage() {
        assertThrows(IllegalArgumentException.class, () -> SysResult.err(null, "x"));
        assertThrows(IllegalArgumentException.class, () -> SysResult.err(Errno.CLOSED, null));
        assertThrows(IllegalArgumentException.class, () -> new ExitStatus(0, null));
    }

    @Test
    void exitStatusesFollowTheUnixConvention() {
        assertTrue(ExitStatus.exited(0).success());
        assertFalse(ExitStatus.exited(1).success());
        assertEquals(new ExitStatus(137, "killed by KILL"), ExitStatus.killed(Signal.KILL));
        assertEquals(143, ExitStatus.killed(Signal.TERM).code());
    }

    @Test
    void everySignalParsesFromItsNameNumberAndSigPrefixInAnyCase() {
        for (Signal s : Signal.values()) {
            assertEquals(s, Signal.parse(s.name()).orElseThrow());
            assertEquals(s, Signal.parse(Integer.toString(s.number())).orElseThrow());
            assertEquals(s, Signal.parse("sig" + s.name().toLowerCase(Locale.ROOT)).orElseThrow());
        }
        assertTrue(Signal.parse("SIGFOO").isEmpty());
        assertTrue(Signal.parse("").isEmpty());
    }

    @Test
    void unknownSignalNumbersDoNotParse() {
        qt().forAll(SourceDSL.integers().between(-1000, 1000)).assuming(n -> java.util.Arrays.stream(Signal.values()).noneMatch(s -> s.number() == n))
                .checkAssert(n -> assertTrue(Signal.parse(Integer.toString(n)).isEmpty()));
    }

    @Test
    void onlyHupIntKillAndTermEndAProcess() {
        for (Signal s : Signal.values()) {
            boolean expected = s == Signal.HUP || s == Signal.INT || s == Signal.KILL || s == Signal.TERM;
            assertEquals(expected, s.terminates(), s.name());
        }
    }
}
