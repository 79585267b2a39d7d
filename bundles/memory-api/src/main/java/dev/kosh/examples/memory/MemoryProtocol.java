package dev.kosh.examples.memory;

import java.util.List;

import dev.kosh.api.Errno;

/**
 * The memory service's protocol: a sealed interface of records sent with {@code ipc.call} (no
 * typed stub: an allocation's reply carries a capability, which only a raw message can). A client
 * looks the service up ({@code ctx.ipc().lookup(NAME)}, grant {@code service:memory}) and calls
 * it with {@code Outgoing.of(LABEL, request)}. The reply's label is {@link #OK} with the answer
 * record as data, or {@link #FAILED} with a {@link Failure}.
 *
 * <ul>
 *   <li>{@link Allocate}: a shared-memory region of {@code bytes} bytes; the answer is a
 *       {@link Allocated} and the reply carries one capability to the region (READ WRITE, a copy of
 *       the service's: {@code message.handles().getFirst()}). Map it with {@code ipc.map(handle)}.
 *       Refused with {@code QUOTA_EXCEEDED} past the client's budget.</li>
 *   <li>{@link Free}: gives a region back. The service revokes it: every copy (the client's
 *       capability, its mappings) ends at once, and the memory is freed.</li>
 *   <li>{@link Stats}: regions and bytes per client pid and in total, as {@link Statistics}.</li>
 * </ul>
 */
public sealed interface MemoryProtocol {
    /** The name the service registers under. */
    String NAME = "memory";
    /** The label of every request. */
    int LABEL = 1;
    /** Reply label: the data is the answer. */
    int OK = 0;
    /** Reply label: the data is a {@link Failure}. */
    int FAILED = 1;

    /** Allocate a region of {@code bytes} bytes. */
    record Allocate(long bytes) implements MemoryProtocol {}

    /** Free region {@code region} (an id from {@link Allocated}). */
    record Free(long region) implements MemoryProtocol {}

    /** Ask for the statistics. */
    record Stats() implements MemoryProtocol {}

    /** The answer to {@link Allocate}: the region's id (for {@link Free}) and size. */
    record Allocated(long region, long bytes) {}

    /** The answer to {@link Free}: what the client holds afterwards. */
    record Freed(long region, long bytes, int regionsLeft, long bytesLeft) {}

    /** One client's use. */
    record ClientUsage(int pid, int regions, long bytes) {}

    /** The answer to {@link Stats}: every client with a region, the totals, the per-client budget. */
    record Statistics(List<ClientUsage> clients, int regions, long bytes, long budgetPerClient) {
        /** An immutable copy: a record's components must already be immutable to travel in a message. */
        public Statistics {
            clients = clients == null ? List.of() : List.copyOf(clients);
        }
    }

    /** A refusal: the errno and why. */
    record Failure(Errno errno, String message) {}
}
