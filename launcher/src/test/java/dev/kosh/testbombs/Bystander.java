package dev.kosh.testbombs;

import java.time.Duration;

import dev.kosh.api.ProcessContext;
import dev.kosh.api.Program;

/** A well-behaved neighbour: wakes every 5 ms until asked to stop, then exits 0. */
public final class Bystander implements Program {
    @Override
    public int main(ProcessContext ctx) throws InterruptedException {
        while (!ctx.terminationRequested()) {
            ctx.sleep(Duration.ofMillis(5));
        }
        return 0;
    }
}
