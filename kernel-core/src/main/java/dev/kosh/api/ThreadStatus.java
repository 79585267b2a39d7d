package dev.kosh.api;

/**
 * What a thread capability with READ shows of its thread: its name, the pid of its process, and
 * what it is doing ({@code Running}, {@code Blocked(ipc)}, {@code Stopped}...).
 */
public record ThreadStatus(String name, int pid, String state) {
}
