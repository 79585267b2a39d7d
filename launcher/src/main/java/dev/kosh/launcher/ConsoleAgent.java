package dev.kosh.launcher;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import dev.kosh.ipc.MpscChannel;
import dev.kosh.ipc.SendStatus;
import dev.kosh.kernel.process.ConsoleSink;

/**
 * The console device: processes (and the kernel) send text over an MPSC channel; this agent's
 * one thread writes it to the terminal in order. A full channel makes the writer wait (the
 * console is slow, not lossy).
 */
final class ConsoleAgent implements ConsoleSink, AutoCloseable {
    private static final int CAPACITY = 4096;
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(5);

    private record Text(int pid, String text) {}

    private final MpscChannel<Text> channel = new MpscChannel<>(CAPACITY);
    private final PrintStream out;
    private final Thread thread;
    private final AtomicLong sent = new AtomicLong();
    private volatile long written;
    private volatile boolean running = true;

    ConsoleAgent(PrintStream out) {
        this.out = out;
        this.thread = Thread.ofPlatform().name("kosh-console").daemon(true).unstarted(this::run);
        thread.start();
    }

    int capacity() {
        return channel.capacity();
    }

    @Override
    public void write(int pid, String text) {
        SendStatus s = channel.send(new Text(pid, text), SEND_TIMEOUT);
        if (s == SendStatus.OK) {
            sent.incrementAndGet();
        } else {
            // Never silent: the writer is told on the real stderr what could not be shown.
            System.err.println("kosh: console " + s.name().toLowerCase() + ", pid " + pid + " output not shown");
        }
    }

    private void run() {
        while (running || channel.size() > 0) {
            Text t = channel.receive(Duration.ofMillis(100));
            if (t == null) continue;
            out.print(t.text());
            long n = written + 1;
            while ((t = channel.poll()) != null) {
                out.print(t.text());
                n++;
            }
            out.flush();
            written = n;
        }
    }

    /** Waits until everything sent so far has been written (for the shell: output before the prompt). */
    void flush(Duration timeout) {
        long target = sent.get();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (written < target && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    @Override
    public void close() {
        flush(Duration.ofSeconds(1));
        running = false;
        channel.close();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
