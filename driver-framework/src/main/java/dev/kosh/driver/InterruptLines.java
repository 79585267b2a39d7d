package dev.kosh.driver;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import dev.kosh.driver.api.IrqLine;

/**
 * The interrupt lines of the devices drivers are bound to, by device address. Whatever delivers
 * interrupts on this platform raises them here ({@link #raise}): a simulated device in tests, an
 * eventfd poller once VFIO is bound (on this host interrupts are polled: nothing raises them). A
 * driver gets a line only through its {@link dev.kosh.driver.api.DriverContext}, for its own
 * devices. A raise while no instance waits is kept: the next wait sees it.
 */
public final class InterruptLines {
    private final ConcurrentHashMap<String, Line> lines = new ConcurrentHashMap<>();

    /** Raises the line of the device at {@code deviceAddress}; false if no driver was granted it. */
    public boolean raise(String deviceAddress) {
        Line l = lines.get(deviceAddress);
        if (l == null) return false;
        l.raise();
        return true;
    }

    /** The line of {@code deviceAddress}, made on first grant. */
    IrqLine line(String deviceAddress, int number) {
        return lines.computeIfAbsent(deviceAddress, d -> new Line(number));
    }

    private static final class Line implements IrqLine {
        private final int number;
        private final AtomicLong raised = new AtomicLong();
        private volatile Thread waiter;

        Line(int number) {
            this.number = number;
        }

        void raise() {
            raised.incrementAndGet();
            Thread w = waiter;
            if (w != null) LockSupport.unpark(w);
        }

        @Override
        public int number() {
            return number;
        }

        @Override
        public long await(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            waiter = Thread.currentThread();
            try {
                while (true) {
                    long n = raised.getAndSet(0);
                    if (n > 0) return n;
                    if (Thread.interrupted()) throw new InterruptedException("interrupt wait on line " + number + " interrupted");
                    long left = deadline - System.nanoTime();
                    if (left <= 0) return 0;
                    LockSupport.parkNanos(this, left);
                }
            } finally {
                waiter = null;
            }
        }
    }
}
