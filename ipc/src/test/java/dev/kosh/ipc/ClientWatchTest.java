package dev.kosh.ipc;

import static dev.kosh.ipc.testing.Results.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kosh.api.Errno;
import dev.kosh.api.Ipc;
import dev.kosh.api.Right;
import dev.kosh.api.Rights;
import dev.kosh.api.SysResult;
import dev.kosh.ipc.testing.IpcHarness;
import dev.kosh.kernel.process.ClientWatches;
import dev.kosh.kernel.process.KoshProcess;

/**
 * Death notification: a server watching an endpoint learns the badge of each client that ends
 * (exit, crash or KILL), once, as a bit on its notification and from {@code exitedClients}; never a
 * pid it did not have; with the typed errors.
 */
@Timeout(20)
class ClientWatchTest {
    static final Duration LONG = Duration.ofSeconds(5);
    final IpcHarness k = new IpcHarness();
    final KoshProcess server = k.idle("server", "publish");
    final Ipc s = k.ipc(server);

    @AfterEach
    void close() {
        k.close();
    }

    private static Errno errno(SysResult<?> r) {
        return assertInstanceOf(SysResult.Err.class, r, String.valueOf(r)).errno();
    }

    @Test
    void aKilledClientsBadgeReachesTheWatchingServerOnce() {
        int ep = ok(s.createEndpoint());
        ok(s.register("svc", ep));
        int note = ok(s.createNotification());
        ok(s.watchClients(ep, note, 0b100));
        KoshProcess c1 = k.idle("c1", "service:svc");
        KoshProcess c2 = k.idle("c2", "service:svc");
        Ipc i1 = k.ipc(c1);
        int h1 = ok(i1.lookup("svc"));
        ok(k.ipc.space().derive(c1.capabilityTable(), h1, Rights.of(Right.CALL), 0)); // a second capability, same badge
        ok(k.ipc(c2).lookup("svc"));
        assertArrayEquals(new long[0], ok(s.exitedClients(ep)), "nobody has ended");
        assertEquals(Errno.WOULD_BLOCK, errno(s.waitSignal(note, Duration.ZERO)));

        k.kill(c1);
        assertEquals(0b100L, ok(s.waitSignal(note, LONG)));
        // lookup badges with the client's pid: the identity the server saw on the client's calls
        assertArrayEquals(new long[] {c1.pid()}, ok(s.exitedClients(ep)), "one report for two capabilities with the badge");
        assertArrayEquals(new long[0], ok(s.exitedClients(ep)), "taken");

        k.table.signal(c2.pid(), dev.kosh.api.Signal.TERM, "test"); // an ordinary exit counts too
        assertEquals(0b100L, ok(s.waitSignal(note, LONG)));
        assertArrayEquals(new long[] {c2.pid()}, ok(s.exitedClients(ep)));
    }

    @Test
    void reportsWaitUntilTakenAndNeedNoNotification() {
        int ep = ok(s.createEndpoint());
        ok(s.register("svc", ep));
        ok(s.watchClients(ep, 0, 0));
        KoshProcess[] clients = new KoshProcess[3];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = k.idle("c" + i, "service:svc");
            ok(k.ipc(clients[i]).lookup("svc"));
        }
        for (KoshProcess c : clients) k.kill(c);
        assertArrayEquals(new long[] {clients[0].pid(), clients[1].pid(), clients[2].pid()}, ok(s.exitedClients(ep)), "in the order they ended");
    }

    @Test
    void unbadgedHoldersAndOtherEndpointsAreNotReported() {
        int ep = ok(s.createEndpoint());
        int other = ok(s.createEndpoint());
        ok(s.watchClients(ep, 0, 0));
        KoshProcess plain = k.idle("plain");
        ok(k.ipc.space().grant(server.capabilityTable().lookup(ep), plain.capabilityTable(), Rights.of(Right.CALL), 0));
        KoshProcess elsewhere = k.idle("elsewhere");
        ok(k.ipc.space().grant(server.capabilityTable().lookup(other), elsewhere.capabilityTable(), Rights.of(Right.CALL), 9));
        KoshProcess badged = k.idle("badged");
        ok(k.ipc.space().grant(server.capabilityTable().lookup(ep), badged.capabilityTable(), Rights.of(Right.CALL), 42));
        k.kill(plain);
        k.kill(elsewhere);
        k.kill(badged);
        assertArrayEquals(new long[] {42}, ok(s.exitedClients(ep)));
    }

    @Test
    void everyErrorIsTyped() {
        int ep = ok(s.createEndpoint());
        int note = ok(s.createNotification());
        int chan = ok(s.createChannel(4));
        assertEquals(Errno.INVALID_HANDLE, errno(s.watchClients(12345, 0, 0)));
        assertEquals(Errno.WRONG_TYPE, errno(s.watchClients(chan, 0, 0)));
        int callOnly = ok(k.ipc.space().derive(server.capabilityTable(), ep, Rights.of(Right.CALL), 0));
        assertEquals(Errno.MISSING_RIGHT, errno(s.watchClients(callOnly, 0, 0)), "only the server (RECEIVE) may watch");
        assertEquals(Errno.MISSING_RIGHT, errno(s.exitedClients(callOnly)));
        assertEquals(Errno.WRONG_TYPE, errno(s.watchClients(ep, chan, 1)));
        int waitOnly = ok(k.ipc.space().derive(server.capabilityTable(), note, Rights.of(Right.WAIT), 0));
        assertEquals(Errno.MISSING_RIGHT, errno(s.watchClients(ep, waitOnly, 1)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(s.watchClients(ep, note, 0)), "a notification needs bits");
        assertEquals(Errno.INVALID_ARGUMENT, errno(s.exitedClients(ep)), "not watched");
        int[] watched = new int[ClientWatches.MAX_WATCHES_PER_PROCESS];
        for (int i = 0; i < watched.length; i++) ok(s.watchClients(watched[i] = ok(s.createEndpoint()), 0, 0));
        assertEquals(Errno.QUOTA_EXCEEDED, errno(s.watchClients(ep, 0, 0)));
        ok(s.watchClients(watched[3], note, 1)); // replacing an existing watch is not a new one
        ok(k.ipc.space().revoke(server.capabilityTable(), ep));
        ok(k.ipc.space().delete(server.capabilityTable(), ep));
        assertEquals(Errno.INVALID_HANDLE, errno(s.exitedClients(ep)));
    }

    @Test
    void aServersWatchesEndWithIt() {
        KoshProcess other = k.idle("other", "publish");
        Ipc o = k.ipc(other);
        int ep = ok(o.createEndpoint());
        ok(o.watchClients(ep, 0, 0));
        assertEquals(1, other.clientWatches().count(other));
        k.kill(other);
        assertEquals(0, other.clientWatches().count(other), "the watch ended with its server");
    }
}
