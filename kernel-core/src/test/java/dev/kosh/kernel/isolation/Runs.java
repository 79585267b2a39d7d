package dev.kosh.kernel.isolation;

import dev.kosh.sandbox.Killed;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** Runs woven corpus classes in test threads and kills them through the test hooks. */
final class Runs {
    static final String CORPUS = "dev.kosh.kernel.isolation.corpus.";

    private Runs() {}

    @SuppressWarnings("unchecked")
    static Callable<Object> instance(ClassLoader loader, String name) throws Exception {
        return (Callable<Object>) loader.loadClass(name).getDeclaredConstructor().newInstance();
    }

    /** How a killed run ended. */
    record Kill(boolean killed, long latencyNanos, Throwable other) {
        double latencyMillis() {
            return latencyNanos / 1e6;
        }
    }

    /** Starts {@code task} in a fresh thread, lets it run {@code runMillis}, kills it and waits for it to unwind. */
    static Kill runAndKill(Callable<Object> task, long runMillis) throws InterruptedException {
        long[] killedAt = {0};
        Throwable[] other = {null};
        Thread t = new Thread(() -> {
            try {
                task.call();
            } catch (Killed k) {
                killedAt[0] = System.nanoTime();
            } catch (Throwable x) {
                other[0] = x;
            }
        }, "corpus-victim");
        t.setDaemon(true);
        t.start();
        Thread.sleep(runMillis);
        long requested = System.nanoTime();
        SandboxFixture.hooks().kill(t);
        t.join(TimeUnit.SECONDS.toMillis(5));
        SandboxFixture.hooks().clear(t);
        if (t.isAlive()) return new Kill(false, -1, new AssertionError("thread still running 5 s after the kill"));
        return new Kill(killedAt[0] != 0, killedAt[0] - requested, other[0]);
    }
}
