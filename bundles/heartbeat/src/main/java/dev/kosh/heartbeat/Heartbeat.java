package dev.kosh.heartbeat;

import java.time.Duration;

import dev.kosh.api.ProcessContext;
import dev.kosh.api.Program;

/**
 * A long-running service: writes a heartbeat line to the journal every interval (first argument,
 * in seconds; default 60) until asked to stop, then says so and exits 0.
 */
public final class Heartbeat implements Program {
    @Override
    public int main(ProcessContext ctx) throws Exception {
        long seconds = ctx.args().isEmpty() ? 60 : Long.parseLong(ctx.args().getFirst());
        if (seconds <= 0) throw new IllegalArgumentException("interval must be positive, was " + seconds);
        long beats = 0;
        ctx.log("up, beating every " + seconds + " s").orThrow();
        while (!ctx.terminationRequested()) {
            ctx.sleep(Duration.ofSeconds(seconds));
            if (!ctx.terminationRequested()) ctx.log("beat " + ++beats).orThrow();
        }
        ctx.log("stopping after " + beats + " beats").orThrow();
        return 0;
    }
}
