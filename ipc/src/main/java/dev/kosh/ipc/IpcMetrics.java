package dev.kosh.ipc;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.kosh.api.Errno;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Micrometer meters of the IPC kernel: {@code kosh.ipc.call.latency} (a timer with a percentile
 * histogram, every call's round trip), {@code kosh.ipc.calls}, {@code kosh.ipc.errors{errno}},
 * {@code kosh.ipc.channel.depth{stat=total|max}} and {@code kosh.ipc.objects{type}}.
 */
public final class IpcMetrics {
    private IpcMetrics() {
    }

    /** Registers the meters and starts recording call latency. Call once per registry, at boot. */
    public static void bind(IpcKernel ipc, MeterRegistry registry) {
        Timer latency = Timer.builder("kosh.ipc.call.latency").description("IPC call round trip, client to server to client")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(100)).maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        ipc.callLatency(nanos -> latency.record(nanos, TimeUnit.NANOSECONDS));
        FunctionCounter.builder("kosh.ipc.calls", ipc, IpcKernel::calls).description("IPC calls made").register(registry);
        for (Errno e : Errno.values()) {
            FunctionCounter.builder("kosh.ipc.errors", ipc, k -> k.failures(e)).tag("errno", e.name())
                    .description("IPC calls that failed, by error").register(registry);
        }
        Gauge.builder("kosh.ipc.channel.depth", ipc, IpcKernel::channelDepthTotal).tag("stat", "total")
                .description("messages queued in all channels").register(registry);
        Gauge.builder("kosh.ipc.channel.depth", ipc, IpcKernel::channelDepthMax).tag("stat", "max")
                .description("messages queued in the fullest channel").register(registry);
        for (String type : new String[] {"endpoint", "channel", "notification", "shm"}) {
            Gauge.builder("kosh.ipc.objects", ipc, k -> k.liveObjects(type)).tag("type", type)
                    .description("live IPC objects").register(registry);
        }
    }
}
