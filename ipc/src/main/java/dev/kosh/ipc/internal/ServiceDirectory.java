package dev.kosh.ipc.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import dev.kosh.api.Errno;
import dev.kosh.api.ObjectType;
import dev.kosh.api.Right;
import dev.kosh.api.Rights;
import dev.kosh.api.SysResult;
import dev.kosh.kernel.cap.Capability;
import dev.kosh.kernel.cap.CapabilitySpace;
import dev.kosh.kernel.cap.CapabilityTable;
import dev.kosh.kernel.process.KoshProcess;

/**
 * Service names: a server registers an endpoint under a name; the kernel keeps a CALL capability
 * derived from the server's in its own table; a client whose grants include {@code service:NAME}
 * gets a CALL capability derived from that one, badged with the client's pid. Revoking the
 * server's capability, or the server's exit, ends every client's capability with it.
 *
 * <p>Threads: any. {@link #names} is a concurrent map; each registration's capability is managed
 * by the space.
 */
public final class ServiceDirectory {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /** One registration: the kernel's capability and who registered it. */
    public record Registration(String name, int ownerPid, Capability capability) {}

    private final CapabilitySpace space;
    private final Map<String, Registration> names = new ConcurrentHashMap<>();

    public ServiceDirectory(CapabilitySpace space) {
        this.space = space;
    }

    public SysResult<Void> register(KoshProcess server, String name, int endpoint) {
        if (name == null || !NAME.matcher(name).matches()) return SysResult.err(Errno.INVALID_ARGUMENT, "a service name is 1-64 letters, digits, '.', '_' or '-'");
        if (!server.capabilities().has("publish")) {
            return SysResult.err(Errno.NO_CAPABILITY, server.label() + " does not hold the publish capability");
        }
        CapabilityTable table = server.capabilityTable();
        SysResult<Capability> found = table.resolve(endpoint, ObjectType.ENDPOINT, Right.CALL.bit() | Right.GRANT.bit());
        if (!(found instanceof SysResult.Ok<Capability>(Capability c))) {
            SysResult.Err<Capability> e = (SysResult.Err<Capability>) found;
            return SysResult.err(e.errno(), e.message());
        }
        synchronized (this) {
            Registration old = names.get(name);
            if (old != null && live(old)) {
                return SysResult.err(Errno.INVALID_ARGUMENT, "service " + name + " is registered by pid " + old.ownerPid());
            }
            SysResult<Integer> held = space.grant(c, space.kernelTable(), Rights.of(Right.CALL, Right.GRANT), 0);
            if (!(held instanceof SysResult.Ok<Integer>(Integer handle))) {
                SysResult.Err<Integer> e = (SysResult.Err<Integer>) held;
                return SysResult.err(e.errno(), e.message());
            }
            if (old != null) drop(old);
            names.put(name, new Registration(name, server.pid(), space.kernelTable().lookup(handle)));
        }
        return SysResult.ok(null);
    }

    public SysResult<Integer> lookup(KoshProcess client, String name) {
        if (name == null || !NAME.matcher(name).matches()) return SysResult.err(Errno.INVALID_ARGUMENT, "a service name is 1-64 letters, digits, '.', '_' or '-'");
        if (!client.capabilities().has("service:" + name)) {
            return SysResult.err(Errno.NO_CAPABILITY, client.label() + " does not hold the service:" + name + " capability");
        }
        Registration r = names.get(name);
        if (r == null) return SysResult.err(Errno.DEAD_PEER, "no service " + name + " is registered");
        if (!live(r)) return SysResult.err(Errno.DEAD_PEER, "service " + name + " (pid " + r.ownerPid() + ") is gone");
        return space.grant(r.capability(), client.capabilityTable(), Rights.of(Right.CALL), client.pid());
    }

    private static boolean live(Registration r) {
        return r.capability().live() && !((Endpoint) r.capability().object()).dead();
    }

    private void drop(Registration r) {
        CapabilityTable kernel = space.kernelTable();
        if (r.capability().live()) space.delete(kernel, handleOf(r));
    }

    private int handleOf(Registration r) {
        for (var info : space.list(space.kernelTable())) if (info.capabilityId() == r.capability().id()) return info.handle();
        return 0;
    }

    /** Drops the registrations of an exited process (its endpoint is dead already). */
    public synchronized void processExited(int pid) {
        names.values().removeIf(r -> {
            if (r.ownerPid() != pid) return false;
            drop(r);
            return true;
        });
    }

    /** Registered names and their servers, for {@code ipcstat}. */
    public Map<String, Integer> registrations() {
        Map<String, Integer> out = new java.util.TreeMap<>();
        names.forEach((n, r) -> out.put(n, r.ownerPid()));
        return out;
    }
}
