package dev.kosh.kernel.process;

import java.time.Duration;
import java.time.Instant;

/**
 * A snapshot of one process-table row, for {@code ps}, the HTTP API and metrics. {@code space} is
 * {@code kernel}, {@code driver} or {@code user} (docs/isolation.md).
 */
public record ProcessInfo(int pid, int ppid, String name, ProcessState state, Priority priority,
                          Duration cpuTime, String origin, CapabilitySet capabilities, int threads,
                          Instant started, java.util.List<String> args, String space) {}
