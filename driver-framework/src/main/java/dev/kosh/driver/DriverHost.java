package dev.kosh.driver;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import dev.kosh.api.ProcessContext;
import dev.kosh.api.Program;
import dev.kosh.driver.api.DriverError;
import dev.kosh.driver.api.DriverRequest;
import dev.kosh.driver.api.DriverResponse;
import dev.kosh.driver.api.KoshDriver;
import dev.kosh.ipc.MpscChannel;

/**
 * The program a driver process runs: initialises the driver, then serves requests one at a time
 * (first any replayed from a faulted predecessor, then the driver's channel) until the process is
 * asked to stop, then cleans up. A fault — a throw from {@code handleRequest}, or no response —
 * ends the process at once (isolation); the driver manager decides what happens to the request in
 * flight and whether a new instance starts. The channel belongs to the manager, not to an
 * instance: requests queued during a restart wait there for the next one.
 */
final class DriverHost implements Program {
    /** A request waiting in the channel, with the future its caller waits on. */
    record Pending(DriverRequest request, CompletableFuture<DriverResponse> reply) {}

    /** Exit code of a driver process that faulted. */
    static final int EXIT_FAULT = 3;
    private static final Duration POLL = Duration.ofMillis(100);

    private final String name;
    private final KoshDriver driver;
    private final MpscChannel<Pending> requests;
    private final DriverManager.Slot slot;

    DriverHost(String name, KoshDriver driver, MpscChannel<Pending> requests, DriverManager.Slot slot) {
        this.name = name;
        this.driver = driver;
        this.requests = requests;
        this.slot = slot;
    }

    @Override
    public int main(ProcessContext ctx) {
        Optional<DriverError> failed;
        try {
            failed = driver.init(slot.context);
        } catch (RuntimeException e) {
            failed = Optional.of(new DriverError(DriverError.Code.FAULT, "init threw " + e));
        }
        if (failed.isPresent()) {
            slot.initFailed(failed.get());
            return 2;
        }
        slot.ready(driver.getCapabilities());
        try {
            while (!ctx.terminationRequested()) {
                Pending p = slot.nextReplay();
                if (p == null) p = requests.receive(POLL);
                if (p == null) continue;
                slot.begin(p);
                DriverResponse response;
                try {
                    response = driver.handleRequest(p.request());
                } catch (RuntimeException e) {
                    slot.faulted(e.toString());
                    return EXIT_FAULT; // the request stays in flight: the manager answers or replays it
                }
                if (response == null) {
                    slot.faulted(name + " returned no response to '" + p.request().operation() + "'");
                    return EXIT_FAULT;
                }
                slot.served(p);
                p.reply().complete(response);
            }
        } finally {
            try {
                driver.cleanup();
            } catch (RuntimeException e) {
                slot.cleanupFailed(e);
            }
        }
        return 0;
    }
}
