package dev.kosh.threadsignals;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import dev.kosh.api.Console;
import dev.kosh.api.ProcessContext;
import dev.kosh.api.Program;
import dev.kosh.api.Signal;

/**
 * A program (packed as its own bundle and woven like any program) whose worker spins without a
 * kernel call and tries to swallow whatever ends it. Its main thread stops, continues and kills the
 * worker by its thread handle, reports what it saw, and exits 0: the process goes on without it.
 */
public final class Stubborn implements Program {
    @Override
    public int main(ProcessContext ctx) throws Exception {
        Console out = ctx.console();
        AtomicLong turns = new AtomicLong();
        AtomicBoolean caught = new AtomicBoolean();
        Thread worker = ctx.startThread("stubborn", () -> {
            while (true) {
                try {
                    while (true) turns.incrementAndGet(); // no kernel call: only the woven back-edge polls
                } catch (Throwable swallowed) {
                    caught.set(true); // woven handlers rethrow the kill before this line runs
                }
            }
        }).orThrow();
        int h = ctx.threadHandle(worker).orThrow();
        ctx.sleep(Duration.ofMillis(200)); // long enough for the loop to be compiled

        ctx.signal(h, Signal.STOP).orThrow();
        ctx.sleep(Duration.ofMillis(30));
        long a = turns.get();
        ctx.sleep(Duration.ofMillis(60));
        long b = turns.get();
        out.println("stubborn: stopped " + ctx.threadStatus(h).orThrow().state() + " frozen " + (a == b));
        ctx.signal(h, Signal.CONT).orThrow();
        ctx.sleep(Duration.ofMillis(30));
        out.println("stubborn: continued runs " + (turns.get() > b));

        long t0 = System.nanoTime();
        ctx.signal(h, Signal.KILL).orThrow();
        String joined = String.valueOf(ctx.join(h, Duration.ofSeconds(5)));
        long micros = (System.nanoTime() - t0) / 1000;
        out.println("stubborn: killed worker joined " + joined + " in " + micros + " us, caught " + caught.get()
                + ", status " + ctx.threadStatus(h));
        return 0;
    }
}
