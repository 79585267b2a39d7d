package dev.kosh.examples.memoryservice;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.kosh.api.Errno;
import dev.kosh.api.Ipc;
import dev.kosh.api.KoshException;
import dev.kosh.api.Message;
import dev.kosh.api.Outgoing;
import dev.kosh.api.ProcessContext;
import dev.kosh.api.Program;
import dev.kosh.api.SysResult;
import dev.kosh.examples.memory.MemoryProtocol;
import dev.kosh.examples.memory.MemoryProtocol.Allocate;
import dev.kosh.examples.memory.MemoryProtocol.Allocated;
import dev.kosh.examples.memory.MemoryProtocol.ClientUsage;
import dev.kosh.examples.memory.MemoryProtocol.Failure;
import dev.kosh.examples.memory.MemoryProtocol.Free;
import dev.kosh.examples.memory.MemoryProtocol.Freed;
import dev.kosh.examples.memory.MemoryProtocol.Stats;
import dev.kosh.examples.memory.MemoryProtocol.Statistics;

/**
 * The memory service: creates an endpoint, registers it as {@code memory} and answers
 * {@link MemoryProtocol} calls on its main thread, one at a time, until asked to terminate.
 *
 * <p>Each allocation is a shared-memory region the service creates ({@code createSharedMemory},
 * charged to the service's own quota) and keeps; the client gets a copy of the capability in the
 * reply (a child in the derivation tree). Freeing revokes the service's capability, which ends the
 * client's copy and its mappings at once, then deletes it, which frees the memory. Clients are
 * told apart by the badge of the capability they call with (lookup badges it with their pid).
 * On TERM the service revokes every region it handed out before it exits.
 *
 * <p>Clients that end without freeing (exit, crash, KILL): the service watches its endpoint
 * ({@code Ipc.watchClients}); the kernel reports each ended client's badge, and before answering
 * the next request (or within a poll interval when idle) the service releases that client's regions
 * (the memory goes back to the service's quota) and forgets its statistics.
 *
 * <p>Arguments: {@code [--budget BYTES]} per client (default 1 MiB).
 */
public final class MemoryService implements Program {
    /** The per-client budget when no {@code --budget} is given. */
    public static final long DEFAULT_BUDGET = 1L << 20;
    private static final Duration POLL = Duration.ofMillis(200);

    private record Region(long id, int owner, long bytes, int handle) {}

    private final Map<Long, Region> regions = new LinkedHashMap<>();
    private long nextId = 1;
    private long budget = DEFAULT_BUDGET;

    @Override
    public int main(ProcessContext ctx) {
        List<String> args = ctx.args();
        if (args.size() == 2 && args.get(0).equals("--budget")) {
            try {
                budget = Long.parseLong(args.get(1));
            } catch (NumberFormatException e) {
                budget = -1;
            }
        }
        if (budget <= 0 || !(args.isEmpty() || args.size() == 2 && args.get(0).equals("--budget"))) {
            ctx.console().println("memory-service: usage: memory-service [--budget BYTES]");
            return 2;
        }
        Ipc ipc = ctx.ipc();
        int endpoint = ipc.createEndpoint().orThrow();
        ipc.register(MemoryProtocol.NAME, endpoint).orThrow();
        // Told of every client that ends: polled before each request (no notification: one loop, one thread).
        boolean watching = ipc.watchClients(endpoint, 0, 0).isOk();
        ctx.console().println("memory-service: serving '" + MemoryProtocol.NAME + "' as pid " + ctx.pid()
                + ", budget " + budget + " bytes per client");
        int code = 0;
        while (!ctx.terminationRequested()) {
            SysResult<Message> received = ipc.receive(endpoint, POLL);
            if (watching) releaseEnded(ctx, endpoint);
            if (received instanceof SysResult.Ok<Message> ok) {
                answer(ctx, ok.value());
            } else if (received instanceof SysResult.Err<Message> err && err.errno() != Errno.TIMEOUT) {
                if (err.errno() != Errno.CLOSED) {
                    ctx.console().println("memory-service: stopped serving: " + err.errno() + " " + err.message());
                    code = 1;
                }
                break;
            }
        }
        int revoked = 0;
        for (Region r : new ArrayList<>(regions.values())) revoked += release(ctx, r);
        ctx.console().println("memory-service: stopping, " + regions.size() + " regions withdrawn (" + revoked + " capabilities revoked)");
        regions.clear();
        return code;
    }

    /**
     * Releases the regions of every client the kernel reported ended since the last look (their
     * badges: lookup badges a client's capability with its pid, the identity {@link #answer} uses).
     */
    private void releaseEnded(ProcessContext ctx, int endpoint) {
        if (!(ctx.ipc().exitedClients(endpoint) instanceof SysResult.Ok<long[]>(long[] ended))) return;
        for (long badge : ended) {
            int client = (int) badge;
            int count = 0;
            long bytes = 0;
            for (Region r : new ArrayList<>(regions.values())) {
                if (r.owner() != client) continue;
                release(ctx, r);
                regions.remove(r.id());
                count++;
                bytes += r.bytes();
            }
            if (count > 0) {
                ctx.console().println("memory-service: client pid " + client + " ended: " + count + " regions (" + bytes + " bytes) released");
            }
        }
    }

    private void answer(ProcessContext ctx, Message call) {
        int client = call.badge() != 0 ? (int) call.badge() : call.sender();
        Outgoing reply;
        try {
            reply = switch (call.data()) {
                case Allocate a when call.label() == MemoryProtocol.LABEL -> allocate(ctx, client, a.bytes());
                case Free f when call.label() == MemoryProtocol.LABEL -> free(ctx, client, f.region());
                case Stats s when call.label() == MemoryProtocol.LABEL -> Outgoing.of(MemoryProtocol.OK, statistics());
                case null, default -> throw new KoshException(Errno.INVALID_ARGUMENT,
                        "memory: not a memory request (label " + call.label() + ")");
            };
        } catch (KoshException e) {
            reply = Outgoing.of(MemoryProtocol.FAILED, new Failure(e.errno(), detail(e)));
        }
        SysResult<Void> sent = ctx.ipc().reply(call.replyHandle(), reply);
        if (sent instanceof SysResult.Err<Void> && call.data() instanceof Allocate) {
            // the caller gave up: take back the region the reply carried a copy of
            Region last = null;
            for (Region r : regions.values()) if (r.owner() == client) last = r;
            if (last != null && reply.label() == MemoryProtocol.OK) {
                release(ctx, last);
                regions.remove(last.id());
            }
        }
    }

    /** The exception's message without the {@code ERRNO: } prefix KoshException adds (the client adds it again). */
    private static String detail(KoshException e) {
        String m = e.getMessage();
        String prefix = e.errno() + ": ";
        return m != null && m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }

    private Outgoing allocate(ProcessContext ctx, int client, long bytes) {
        if (bytes <= 0) throw new KoshException(Errno.INVALID_ARGUMENT, "memory: cannot allocate " + bytes + " bytes");
        long used = 0;
        for (Region r : regions.values()) if (r.owner() == client) used += r.bytes();
        if (bytes > budget - used) {
            throw new KoshException(Errno.QUOTA_EXCEEDED, "memory: pid " + client + " is over its budget: holds " + used
                    + " of " + budget + " bytes, asked for " + bytes);
        }
        int handle = ctx.ipc().createSharedMemory(bytes).orThrow();
        Region region = new Region(nextId++, client, bytes, handle);
        regions.put(region.id(), region);
        return Outgoing.of(MemoryProtocol.OK, new Allocated(region.id(), bytes)).copying(handle);
    }

    private Outgoing free(ProcessContext ctx, int client, long id) {
        Region region = regions.get(id);
        if (region == null || region.owner() != client) {
            throw new KoshException(Errno.INVALID_ARGUMENT, "memory: pid " + client + " holds no region " + id);
        }
        release(ctx, region);
        regions.remove(id);
        int left = 0;
        long bytesLeft = 0;
        for (Region r : regions.values()) {
            if (r.owner() == client) {
                left++;
                bytesLeft += r.bytes();
            }
        }
        return Outgoing.of(MemoryProtocol.OK, new Freed(id, region.bytes(), left, bytesLeft));
    }

    /** Revokes every copy of the region (clients' capabilities and mappings end), then deletes it: the memory is freed. */
    private static int release(ProcessContext ctx, Region region) {
        int revoked = ctx.revoke(region.handle()) instanceof SysResult.Ok<Integer> ok ? ok.value() : 0;
        ctx.delete(region.handle());
        return revoked;
    }

    private Statistics statistics() {
        Map<Integer, long[]> perClient = new TreeMap<>();
        long total = 0;
        for (Region r : regions.values()) {
            long[] u = perClient.computeIfAbsent(r.owner(), pid -> new long[2]);
            u[0]++;
            u[1] += r.bytes();
            total += r.bytes();
        }
        List<ClientUsage> clients = new ArrayList<>();
        for (Map.Entry<Integer, long[]> e : perClient.entrySet()) {
            clients.add(new ClientUsage(e.getKey(), (int) e.getValue()[0], e.getValue()[1]));
        }
        return new Statistics(clients, regions.size(), total, budget);
    }
}
