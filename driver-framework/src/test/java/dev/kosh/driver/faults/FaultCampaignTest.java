package dev.kosh.driver.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kosh.driver.DriverState;
import dev.kosh.driver.Supervision;
import dev.kosh.driver.api.DriverError;
import dev.kosh.driver.api.DriverResponse;

/**
 * A small fault-injection campaign with the goals as hard asserts (the full one, 10^5 faults, is
 * {@code scripts/fault-campaign}), and the restart intensity it has to switch off, tripping.
 */
class FaultCampaignTest {

    @Test
    @Timeout(120)
    void twoThousandFaultsOfEveryClassCrashNothingHangNothingAndLoseNoAcknowledgedRequest() throws Exception {
        Path dir = Files.createTempDirectory("kosh-campaign-test");
        FaultCampaign.Report r;
        try (FaultCampaign campaign = new FaultCampaign(dir, Duration.ofMillis(25))) {
            r = campaign.run(2_000, 2, 42);
        } finally {
            FaultCampaign.deleteTree(dir);
        }
        System.out.print(r.table());
        assertEquals(2_000, r.faults(), r.table());
        assertEquals(0, r.kernelCrashes(), r.table());
        assertEquals(0, r.hangs(), r.table());
        assertEquals(0, r.clientLost(), r.table());
        assertEquals(0, r.unexpectedReplies(), r.table());
        assertEquals(0, r.misattributed(), "every fault was caught as what it was, or by the deadline: " + r.table());
        assertTrue(r.caughtByDeadline() < r.injected().get(FaultClass.QUOTA_BOMB) / 2 + 10, "most bombs are caught by the quota: " + r.table());
        for (FaultClass c : FaultClass.values()) assertTrue(r.injected().get(c) > 0, c + " was injected: " + r.table());
        // Every injected fault was seen by the manager; a non-faulting request held past the
        // deadline on this loaded host (a GC pause) may add a few more, never fewer.
        assertTrue(r.detected() >= r.expectedDetections() && r.detected() <= r.expectedDetections() + 20, r.table());
        assertEquals(r.detected(), r.restarts(), "every fault was followed by a restart: " + r.table());
        assertTrue(r.clientSent() > 2_000 && r.clientAnswered() + r.clientRestarted() == r.clientSent(), r.table());
        assertTrue(r.replayedFromJournal() > 0 && r.replayedFromMemory() == 0, "every replay was read back from the request journal: " + r.table());
        assertEquals(DriverState.RUNNING, r.finalState());
        assertTrue(r.answersAtEnd());
    }

    /**
     * A kill can land anywhere in the driver's serving loop — in particular just after it took a
     * request and before it began serving it (the check there is a preemption point): the
     * deadline watchdog's kill, decided on the request before, lands so when that request is
     * answered just in time. The request taken must go to the next instance, not be dropped.
     */
    @Test
    @Timeout(120)
    void aDriverKilledAtAnyMomentOfItsLoopLosesNoRequest() throws Exception {
        Path dir = Files.createTempDirectory("kosh-kill-storm");
        FaultCampaign.KillStorm storm;
        try (FaultCampaign campaign = new FaultCampaign(dir, Duration.ofMillis(25))) {
            campaign.start(new Supervision(FaultCampaign.POLICY, Duration.ofSeconds(1), Duration.ofMillis(25))).orThrow();
            storm = campaign.killStorm(1_500, 2, 7);
        } finally {
            FaultCampaign.deleteTree(dir);
        }
        String summary = storm.toString();
        assertEquals(1_500, storm.kills(), summary);
        assertTrue(storm.sent() > 1_500, summary);
        assertEquals(0, storm.lost(), summary);
        assertEquals(0, storm.hangs(), summary);
        assertEquals(storm.sent(), storm.answered() + storm.restarted(), summary);
    }

    @Test
    @Timeout(60)
    void withTheDefaultPolicyTheSixthFaultWithinAMinuteMarksTheDriverFailed() throws Exception {
        Path dir = Files.createTempDirectory("kosh-campaign-test");
        try (FaultCampaign campaign = new FaultCampaign(dir, Duration.ofMillis(25))) {
            campaign.start(Supervision.DEFAULT).orThrow();
            byte[] exception = {(byte) FaultClass.EXCEPTION.ordinal(), 4};
            for (int i = 1; i <= Supervision.DEFAULT.maxRestarts(); i++) {
                DriverResponse r = campaign.call("fault", exception, false);
                assertEquals(DriverError.Code.RESTARTED, assertInstanceOf(DriverResponse.Failed.class, r).error().code(), "fault " + i);
                assertInstanceOf(DriverResponse.Ok.class, campaign.call("whoami", new byte[0], true), "restart " + i + " serves");
            }
            DriverResponse sixth = campaign.call("fault", exception, false);
            assertEquals(DriverError.Code.FAULT, assertInstanceOf(DriverResponse.Failed.class, sixth).error().code());
            assertEquals(DriverState.FAILED, campaign.info().state());
            assertEquals(5, campaign.info().restarts());
            DriverResponse after = campaign.call("whoami", new byte[0], true);
            assertEquals(DriverError.Code.UNAVAILABLE, assertInstanceOf(DriverResponse.Failed.class, after).error().code());
        } finally {
            FaultCampaign.deleteTree(dir);
        }
    }
}
