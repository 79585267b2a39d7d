package dev.kosh.testbombs;

import java.time.Duration;

import dev.kosh.api.ProcessContext;
import dev.kosh.api.Program;

/** Asks for threads in a loop and never takes no for an answer; each thread idles. */
public final class ThreadBomb implements Program {
    @Override
    public int main(ProcessContext ctx) {
        int n = 0;
        while (true) {
            ctx.startThread("bomb-" + n++, () -> idle(ctx));
        }
    }

    static void idle(ProcessContext ctx) {
        try {
            ctx.sleep(Duration.ofMinutes(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
