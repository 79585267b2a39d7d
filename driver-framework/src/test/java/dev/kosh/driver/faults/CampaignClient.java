package dev.kosh.driver.faults;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.HdrHistogram.Histogram;

import dev.kosh.api.SysResult;
import dev.kosh.driver.DriverManager;
import dev.kosh.driver.api.DriverError;
import dev.kosh.driver.api.DriverRequest;
import dev.kosh.driver.api.DriverResponse;

/**
 * A client that streams echo requests to the driver for the whole campaign, one at a time, each
 * with its own payload (client id, sequence number), nine in ten idempotent. A request the
 * channel accepted is acknowledged; it is lost unless it comes back with its own payload (or, for
 * a non-idempotent one in flight at a fault, with RESTARTED: the client was told).
 */
final class CampaignClient implements Runnable {
    private final DriverManager manager;
    private final String driver;
    private final int id;
    private final Duration timeout;
    private final long hangNanos;
    private volatile boolean stop;
    /** The thread it streams on (set by whoever starts it). */
    Thread thread;
    long sent;
    long answered;
    long restarted;
    long busy;
    long lost;
    long hangs;
    final Histogram latencyMicros = new Histogram(3_600_000_000L, 3);
    final List<String> examples = new CopyOnWriteArrayList<>();

    CampaignClient(DriverManager manager, String driver, int id, Duration timeout, Duration hang) {
        this.manager = manager;
        this.driver = driver;
        this.id = id;
        this.timeout = timeout;
        this.hangNanos = hang.toNanos();
    }

    void stop() {
        stop = true;
    }

    @Override
    public void run() {
        long seq = 0;
        while (!stop) {
            seq++;
            byte[] payload = ByteBuffer.allocate(12).putInt(id).putLong(seq).array();
            boolean idempotent = seq % 10 != 0;
            long t0 = System.nanoTime();
            SysResult<DriverResponse> r;
            try {
                r = manager.call(driver, new DriverRequest("echo", payload, idempotent), timeout);
            } catch (InterruptedException e) {
                return;
            }
            long took = System.nanoTime() - t0;
            latencyMicros.recordValue(Math.min(took / 1000, latencyMicros.getHighestTrackableValue()));
            if (took > hangNanos) hangs++;
            sent++;
            switch (r) {
                case SysResult.Ok<DriverResponse>(DriverResponse.Ok ok) when Arrays.equals(ok.payload(), payload) -> answered++;
                case SysResult.Ok<DriverResponse>(DriverResponse.Failed f) when f.error().code() == DriverError.Code.BUSY -> {
                    busy++; // refused at the door: never acknowledged
                    sent--;
                }
                case SysResult.Ok<DriverResponse>(DriverResponse.Failed f) when !idempotent && f.error().code() == DriverError.Code.RESTARTED -> restarted++;
                default -> {
                    lost++;
                    if (examples.size() < 5) examples.add("client " + id + " request " + seq + (idempotent ? " (idempotent)" : "") + ": " + r);
                }
            }
        }
    }
}
