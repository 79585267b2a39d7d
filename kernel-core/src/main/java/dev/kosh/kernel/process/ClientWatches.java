package dev.kosh.kernel.process;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

import dev.kosh.api.CapabilityInfo;
import dev.kosh.api.Errno;
import dev.kosh.api.SysResult;
import dev.kosh.kernel.cap.KernelObject;

/**
 * Death notification for servers (MINIX's and seL4's style): a server asks to be told when a
 * client of one of its objects (an endpoint it receives on) ends. When a process that holds a
 * <em>badged</em> capability to a watched object ends (exit, crash or KILL), the badge is added to the
 * watch's set of exited clients and the watch's wake-up runs (the IPC module signals a notification
 * there). The server takes the set with {@code Ipc.exitedClients}. It learns only the badge: an
 * identity it gave out (or that lookup gave on its behalf) and already saw on the client's calls,
 * never a pid it did not have.
 *
 * <p>The pending set is a set: a client's badge is reported once however many capabilities with it
 * the client held, and nothing is lost while the server is busy (like MINIX's pending-notification
 * bitmap); it is bounded at {@link #MAX_PENDING} badges a watch (a badge past that is dropped and
 * journaled). A watch ends when its server ends. Unbadged capabilities are not reported: the
 * server could not tell such a client from another.
 *
 * <p>Threading: every method may be called from any thread; one monitor guards the map. The exit
 * path takes the capability space's lock (to list the ending process's table) inside this monitor;
 * the space never calls in here, so there is no cycle.
 */
public final class ClientWatches {
    /** Watches one process may hold. */
    public static final int MAX_WATCHES_PER_PROCESS = 64;
    /** Exited clients a watch keeps before its server takes them. */
    public static final int MAX_PENDING = 65_536;

    private final dev.kosh.kernel.journal.Journal journal;
    /** Watches by the id of the object watched; guarded by this. */
    private final Map<Long, List<Watch>> byObject = new HashMap<>();

    private static final class Watch {
        final KoshProcess server;
        final Runnable wake;
        final LinkedHashSet<Long> exited = new LinkedHashSet<>();

        Watch(KoshProcess server, Runnable wake) {
            this.server = server;
            this.wake = wake;
        }
    }

    ClientWatches(dev.kosh.kernel.journal.Journal journal) {
        this.journal = journal;
    }

    /**
     * {@code server} watches the clients of {@code object} ({@code wake}, may be null, runs after
     * each newly reported client; it must be short and must not block). Replaces the server's
     * earlier watch on the same object (its pending set is kept). The caller has checked that the
     * server may (it receives on the object). Errors: CLOSED (the server is ending), QUOTA_EXCEEDED.
     */
    public synchronized SysResult<Void> watch(KoshProcess server, KernelObject object, Runnable wake) {
        if (server.exiting()) return SysResult.err(Errno.CLOSED, server.label() + " is terminating");
        List<Watch> list = byObject.computeIfAbsent(object.id(), id -> new ArrayList<>(1));
        Watch old = find(list, server);
        if (old == null && count(server) >= MAX_WATCHES_PER_PROCESS) {
            if (list.isEmpty()) byObject.remove(object.id());
            return SysResult.err(Errno.QUOTA_EXCEEDED, server.label() + " already watches " + MAX_WATCHES_PER_PROCESS + " objects");
        }
        Watch w = new Watch(server, wake);
        if (old != null) {
            w.exited.addAll(old.exited);
            list.remove(old);
        }
        list.add(w);
        return SysResult.ok(null);
    }

    /** Ends {@code server}'s watch on {@code object}; answers whether there was one. */
    public synchronized boolean unwatch(KoshProcess server, KernelObject object) {
        List<Watch> list = byObject.get(object.id());
        Watch w = list == null ? null : find(list, server);
        if (w == null) return false;
        list.remove(w);
        if (list.isEmpty()) byObject.remove(object.id());
        return true;
    }

    /**
     * Takes and clears the badges of the clients of {@code object} that ended since the last take,
     * in the order they ended. Errors: INVALID_ARGUMENT (the server does not watch it).
     */
    public synchronized SysResult<long[]> take(KoshProcess server, KernelObject object) {
        List<Watch> list = byObject.get(object.id());
        Watch w = list == null ? null : find(list, server);
        if (w == null) return SysResult.err(Errno.INVALID_ARGUMENT, server.label() + " does not watch the clients of " + object.describe());
        long[] out = new long[w.exited.size()];
        int i = 0;
        for (long badge : w.exited) out[i++] = badge;
        w.exited.clear();
        return SysResult.ok(out);
    }

    /** How many watches {@code server} holds (for tests and the quota). */
    public synchronized int count(KoshProcess server) {
        int n = 0;
        for (List<Watch> list : byObject.values()) for (Watch w : list) if (w.server == server) n++;
        return n;
    }

    /**
     * {@code dying} is ending and still holds its capabilities: records each badge it holds to a
     * watched object (for every watch but its own), drops its own watches, and answers the wake-ups
     * to run once its capabilities are gone (so a server that reacts at once finds the client's
     * capabilities already ended).
     */
    synchronized List<Runnable> ending(KoshProcess dying) {
        List<Runnable> wakes = new ArrayList<>();
        if (byObject.isEmpty()) return wakes;
        byObject.values().removeIf(list -> {
            list.removeIf(w -> w.server == dying);
            return list.isEmpty();
        });
        if (byObject.isEmpty()) return wakes;
        for (CapabilityInfo c : dying.capabilityTable().space().list(dying.capabilityTable())) {
            if (c.badge() == 0) continue;
            List<Watch> list = byObject.get(c.objectId());
            if (list == null) continue;
            for (Watch w : list) {
                if (w.exited.contains(c.badge())) continue;
                if (w.exited.size() >= MAX_PENDING) {
                    journal.warn(w.server.label(), "client watch full (" + MAX_PENDING + " exited clients not taken): badge " + c.badge() + " of "
                            + dying.label() + " not reported");
                    continue;
                }
                w.exited.add(c.badge());
                if (w.wake != null) wakes.add(w.wake);
            }
        }
        return wakes;
    }

    private static Watch find(List<Watch> list, KoshProcess server) {
        for (Watch w : list) if (w.server == server) return w;
        return null;
    }
}
