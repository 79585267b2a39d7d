package dev.kosh.api;

import java.time.Duration;

/**
 * What a process capability with READ shows of its process: identity, the state as {@code ps}
 * prints it ({@code Running}, {@code Blocked(ipc)}, {@code Zombie}...), its live threads, CPU time
 * and, once it has exited, its exit status ({@code null} before).
 */
public record ProcessStatus(int pid, int parentPid, String name, String state, int threads, Duration cpuTime,
                            ExitStatus exit) {
}
