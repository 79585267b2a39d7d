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
 * The program a driver process runs: initialises the driver, then serves requests from its
 * channel one at a time until the process is asked to stop, then cleans up. A driver that throws
 * from {@code handleRequest} faults: the request fails with {@code FAULT} and the process ends
 * (isolation; the driver issue adds the restart).
 */
final class DriverHost implements Program {
    /** A request waiting in the channel, with the future its caller waits on. */
    record Pending(DriverRequest request, CompletableFuture<DriverResponse> reply) {}

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
            failed = driver.init();
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
                Pending p = requests.receive(POLL);
                if (p == null) continue;
                DriverResponse response;
                try {
                    response = driver.handleRequest(p.request());
                    if (response == null) response = DriverResponse.failed(DriverError.Code.FAULT, name + " returned no response");
                } catch (RuntimeException e) {
                    slot.faulted(e);
                    p.reply().complete(DriverResponse.failed(DriverError.Code.FAULT, name + " faulted: " + e));
                    return 3;
                }
                slot.served();
                p.reply().complete(response);
            }
        } finally {
            failPending();
            driver.cleanup();
        }
        return 0;
    }

    private void failPending() {
        requests.close();
        Pending p;
        while ((p = requests.poll()) != null) {
            p.reply().complete(DriverResponse.failed(DriverError.Code.UNAVAILABLE, name + " stopped"));
        }
    }
}
