package dev.kosh.ipc;

import static dev.kosh.ipc.testing.Results.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kosh.api.Errno;
import dev.kosh.api.Ipc;
import dev.kosh.api.KoshException;
import dev.kosh.api.Message;
import dev.kosh.api.MessageType;
import dev.kosh.api.ObjectType;
import dev.kosh.api.Outgoing;
import dev.kosh.api.ProcessContext;
import dev.kosh.api.Signal;
import dev.kosh.api.Right;
import dev.kosh.api.Rights;
import dev.kosh.api.SharedMapping;
import dev.kosh.api.SysResult;
import dev.kosh.ipc.testing.IpcHarness;
import dev.kosh.kernel.cap.Capability;
import dev.kosh.kernel.cap.CapabilitySpace;
import dev.kosh.kernel.cap.CapabilityTable;
import dev.kosh.kernel.process.KoshProcess;

/**
 * An unprivileged process makes {@value #CALLS} random system calls (IPC, capabilities, and process
 * and thread calls by handle) with random handles and arguments (seeded, so a failure replays). Checked: no call succeeds without the capability and
 * right it needs (the kernel's table is inspected before each call), no exception escapes a system
 * call, the victim's objects are untouched, and the kernel still serves other processes after.
 */
@Timeout(120)
class SystemCallFuzzTest {
    static final int CALLS = 1_000_000;
    static final long SEED = 0x6b6f7368L;

    private record Need(ObjectType type, Right right) {}

    /** Signals the fuzzer may send: none that ends a process (it holds a handle to itself). */
    private static final Signal[] SIGNALS = {null, Signal.STOP, Signal.CONT, Signal.CHLD};

    @Test
    void randomSystemCallsNeverReachWhatTheCallerHasNoRightToAndNeverThrow() throws Exception {
        try (IpcHarness k = new IpcHarness(IpcKernel.Options.DEFAULT.withSpinNanos(0))) {
            KoshProcess victim = k.idle("victim", "publish");
            IpcHarness.Running running = k.running("fuzzer", "spawn");
            KoshProcess fuzzer = running.process();
            ProcessContext fctx = running.ctx();
            Ipc v = k.ipc(victim);
            Ipc f = k.ipc(fuzzer);
            CapabilitySpace space = k.ipc.space();
            CapabilityTable ft = fuzzer.capabilityTable();

            // The victim's objects: a secret channel (no capability for the fuzzer), shared memory the
            // fuzzer may only read, an inbox it may only send to, and an endpoint it may call.
            int secret = ok(v.createChannel(16));
            ok(v.send(secret, Outgoing.of(1, "secret"), Duration.ZERO));
            int shm = ok(v.createSharedMemory(4096));
            SharedMapping vm = ok(v.map(shm));
            vm.putLong(0, 42);
            int inbox = ok(v.createChannel(64));
            int ep = ok(v.createEndpoint());
            grant(space, victim, shm, fuzzer, Rights.of(Right.READ));
            grant(space, victim, inbox, fuzzer, Rights.of(Right.SEND));
            grant(space, victim, ep, fuzzer, Rights.of(Right.CALL));
            // Process objects: the fuzzer may read the victim's status (no SIGNAL, no WAIT); it holds
            // itself, its main thread, threads it starts, and a child of its own with every right.
            int victimSelf = space.list(victim.capabilityTable()).stream().filter(i -> i.type() == ObjectType.PROCESS).findFirst().orElseThrow().handle();
            grant(space, victim, victimSelf, fuzzer, Rights.of(Right.READ));
            k.program("fuzz-child", java.util.Set.of(), c -> {
                while (!c.terminationRequested()) c.sleep(Duration.ofMillis(50));
                return 0;
            });
            KoshProcess child = k.table.get(ok(fctx.spawn("fuzz-child", List.of()))).orElseThrow();
            int childSelf = space.list(child.capabilityTable()).stream().filter(i -> i.type() == ObjectType.PROCESS).findFirst().orElseThrow().handle();
            AtomicBoolean serving = new AtomicBoolean(true);
            Thread server = Thread.ofPlatform().daemon().start(() -> {
                while (serving.get()) {
                    if (v.receive(ep, Duration.ofMillis(20)) instanceof SysResult.Ok<Message>(Message m)) {
                        v.reply(m.replyHandle(), Outgoing.of(0, "answer"));
                    }
                    while (v.receive(inbox, Duration.ZERO).isOk()) { /* keep the inbox from filling */ }
                }
            });

            Random rnd = new Random(SEED);
            int violations = 0;
            List<String> escaped = new ArrayList<>();
            Map<Errno, Integer> outcomes = new java.util.EnumMap<>(Errno.class);
            int oks = 0;
            int[] processCalls = {0};
            List<Integer> processHandles = new ArrayList<>();
            for (int i = 0; i < CALLS; i++) {
                if ((i & 4095) == 0) { // the process and thread handles it holds now, for the process calls to aim at
                    processHandles.clear();
                    for (var info : space.list(ft)) if (info.type() == ObjectType.PROCESS || info.type() == ObjectType.THREAD) processHandles.add(info.handle());
                    if (processHandles.size() < 2) { // it deleted, revoked or moved them away: the kernel grants them again
                        if (space.grant(child.capabilityTable().lookup(childSelf), ft, Rights.of(Right.SIGNAL, Right.WAIT, Right.READ, Right.GRANT), 0) instanceof SysResult.Ok<Integer>(Integer g)) processHandles.add(g);
                        if (space.grant(victim.capabilityTable().lookup(victimSelf), ft, Rights.of(Right.READ), 0) instanceof SysResult.Ok<Integer>(Integer g)) processHandles.add(g);
                    }
                }
                int op = rnd.nextInt(27);
                int h = op >= 20 && op <= 24 && !processHandles.isEmpty() && rnd.nextBoolean()
                        ? processHandles.get(rnd.nextInt(processHandles.size())) : handle(rnd, space, ft);
                Need need = null;
                SysResult<?> r;
                Capability before = ft.lookup(h);
                try {
                    switch (op) {
                        case 0 -> r = f.call(h, message(rnd, ft), duration(rnd));
                        case 1 -> r = f.receive(h, duration(rnd));
                        case 2 -> r = f.reply(h, message(rnd, ft));
                        case 3 -> r = f.send(h, message(rnd, ft), duration(rnd));
                        case 4 -> r = f.signal(h, rnd.nextInt(3) - 1);
                        case 5 -> r = f.waitSignal(h, duration(rnd));
                        case 6 -> r = f.closeChannel(h);
                        case 7 -> r = f.bindSignals(h);
                        case 8 -> {
                            r = rnd.nextInt(50) == 0 ? f.map(h) : f.signal(h, 1);
                            if (r instanceof SysResult.Ok<?>(SharedMapping m)) {
                                try {
                                    m.putLong(rnd.nextInt(5000) - 10, 7);
                                    if (!before.has(Right.WRITE)) violations++;
                                } catch (KoshException expected) {
                                    // a read-only or out-of-range write faults in the process, as it should
                                }
                                m.close();
                            }
                        }
                        case 9 -> r = space.derive(ft, h, Rights.masked(rnd.nextInt()), rnd.nextInt(3));
                        case 10 -> r = rnd.nextInt(4) == 0 ? space.delete(ft, h) : space.identify(ft, h);
                        case 11 -> r = space.revoke(ft, h);
                        case 12 -> r = rnd.nextInt(8) == 0 ? f.createChannel(rnd.nextInt(70_000) - 2) : f.createNotification();
                        case 13 -> r = rnd.nextInt(8) == 0 ? f.createSharedMemory(rnd.nextInt(8192) - 100) : f.createEndpoint();
                        case 14 -> r = f.register(rnd.nextBoolean() ? "x" : null, h);
                        case 15 -> r = f.lookup(rnd.nextBoolean() ? "kv" : "");
                        case 20 -> r = fctx.signal(h, SIGNALS[rnd.nextInt(SIGNALS.length)]);
                        case 21 -> r = fctx.await(h, duration(rnd));
                        case 22 -> r = fctx.processStatus(h);
                        case 23 -> r = fctx.threadStatus(h);
                        case 24 -> r = fctx.join(h, duration(rnd));
                        case 26 -> r = rnd.nextBoolean() ? f.watchClients(h, rnd.nextBoolean() ? 0 : handle(rnd, space, ft), rnd.nextInt(3))
                                : f.exitedClients(h);
                        case 25 -> r = switch (rnd.nextInt(4)) {
                            case 0 -> fctx.processHandle(rnd.nextInt(8) - 1);
                            case 1 -> fctx.threadHandle(rnd.nextBoolean() ? Thread.currentThread() : null);
                            case 2 -> fctx.startThread("short", () -> { });
                            default -> SysResult.ok(fctx.selfHandle());
                        };
                        default -> r = f.send(h, message(rnd, ft), Duration.ZERO);
                    }
                    need = switch (op) {
                        case 0 -> new Need(ObjectType.ENDPOINT, Right.CALL);
                        case 2 -> new Need(ObjectType.REPLY, Right.REPLY);
                        case 3, 16, 17, 18, 19 -> new Need(ObjectType.CHANNEL, Right.SEND);
                        case 4, 7 -> h == 0 && op == 7 ? null : new Need(ObjectType.NOTIFICATION, Right.SIGNAL);
                        case 5 -> new Need(ObjectType.NOTIFICATION, Right.WAIT);
                        case 20 -> before != null && before.object().type() == ObjectType.THREAD
                                ? new Need(ObjectType.THREAD, Right.SIGNAL) : new Need(ObjectType.PROCESS, Right.SIGNAL);
                        case 21 -> new Need(ObjectType.PROCESS, Right.WAIT);
                        case 22 -> new Need(ObjectType.PROCESS, Right.READ);
                        case 23 -> new Need(ObjectType.THREAD, Right.READ);
                        case 24 -> new Need(ObjectType.THREAD, Right.WAIT);
                        case 26 -> new Need(ObjectType.ENDPOINT, Right.RECEIVE);
                        case 8 -> r instanceof SysResult.Ok<?>(SharedMapping ignored) ? new Need(ObjectType.SHARED_MEMORY, Right.READ)
                                : new Need(ObjectType.NOTIFICATION, Right.SIGNAL);
                        default -> null;
                    };
                    if (op == 1 && r.isOk() && !(allowed(before, ObjectType.ENDPOINT, Right.RECEIVE) || allowed(before, ObjectType.CHANNEL, Right.RECEIVE))) violations++;
                    if (op == 6 && r.isOk() && !(allowed(before, ObjectType.CHANNEL, Right.SEND) || allowed(before, ObjectType.CHANNEL, Right.RECEIVE))) violations++;
                    if (need != null && r.isOk() && !allowed(before, need.type(), need.right())) violations++;
                    if (r instanceof SysResult.Err<?> e) outcomes.merge(e.errno(), 1, Integer::sum);
                    else oks++;
                    if (op >= 20 && op <= 24 && (r.isOk() || (r instanceof SysResult.Err<?> e2 && e2.errno() == Errno.TIMEOUT))) processCalls[0]++;
                } catch (Throwable t) {
                    if (escaped.size() < 10) escaped.add("call " + i + " op " + op + " handle " + h + ": " + t);
                    else escaped.set(9, "... and more");
                }
            }
            serving.set(false);
            server.join(2000);
            fctx.signal(fctx.selfHandle(), Signal.CONT); // it may have stopped itself

            assertEquals(List.of(), escaped, "exceptions escaped the kernel");
            assertEquals(0, violations, "calls succeeded without the right they need");
            assertTrue(oks > CALLS / 50, "the fuzzer also made calls that succeeded: " + oks + " " + outcomes);
            // The victim's state: untouched.
            assertEquals(42L, vm.getLong(0));
            Message kept = ok(v.receive(secret, Duration.ZERO));
            assertEquals("secret", kept.data());
            assertFalse(victim.stopped() || victim.terminationRequested() || victim.finished(), "the victim was never signalled");
            assertTrue(processCalls[0] > CALLS / 1000, "the process calls reached their object often enough to mean something: " + processCalls[0] + " " + outcomes);
            // The kernel still serves other processes.
            KoshProcess other = k.idle("other");
            Ipc o = k.ipc(other);
            int oep = ok(o.createEndpoint());
            Thread answer = Thread.ofPlatform().daemon().start(() -> {
                Message m = ok(o.receive(oep, Duration.ofSeconds(5)));
                o.reply(m.replyHandle(), Outgoing.of(0, "still here"));
            });
            assertEquals("still here", ok(o.call(oep, Outgoing.of(0, null), Duration.ofSeconds(5))).data());
            answer.join(2000);
        }
    }

    private static boolean allowed(Capability c, ObjectType type, Right right) {
        return c != null && c.object().type() == type && c.has(right);
    }

    private static void grant(CapabilitySpace space, KoshProcess from, int handle, KoshProcess to, Rights rights) {
        ok(space.grant(from.capabilityTable().lookup(handle), to.capabilityTable(), rights, 0));
    }

    /** A handle the fuzzer holds (usually), or a random small, stale or wild integer. */
    private static int handle(Random rnd, CapabilitySpace space, CapabilityTable t) {
        return switch (rnd.nextInt(8)) {
            case 0 -> rnd.nextInt();
            case 1 -> rnd.nextInt(40) - 4;
            case 2 -> (rnd.nextInt(4) << 16) | (rnd.nextInt(16) + 1);
            default -> {
                int n = t.size();
                if (n == 0) yield 1;
                // Slots fill from the front; probe a few for a live handle.
                for (int tries = 0; tries < 4; tries++) {
                    int slot = rnd.nextInt(Math.max(1, Math.min(n + 4, 1024)));
                    for (int gen = 0; gen < 8; gen++) {
                        int h = (gen << 16) | (slot + 1);
                        if (t.lookup(h) != null) yield h;
                    }
                }
                yield rnd.nextInt(32) + 1;
            }
        };
    }

    private static Duration duration(Random rnd) {
        return switch (rnd.nextInt(10)) {
            case 0 -> null;
            case 1 -> Duration.ofMillis(-1);
            case 2 -> Duration.ofNanos(rnd.nextInt(20_000));
            default -> Duration.ZERO;
        };
    }

    private static Outgoing message(Random rnd, CapabilityTable t) {
        Object data = switch (rnd.nextInt(8)) {
            case 0 -> null;
            case 1 -> "text";
            case 2 -> new byte[rnd.nextInt(64)];
            case 3 -> List.of(1, 2L, "x");
            case 4 -> new ArrayList<>(List.of(new Object())); // refused: not sendable
            case 5 -> new StringBuilder("mutable");            // refused
            case 6 -> Map.of("k", List.of(1));
            default -> (long) rnd.nextInt();
        };
        List<Outgoing.Transfer> transfers = new ArrayList<>();
        int n = rnd.nextInt(12) == 0 ? rnd.nextInt(10) : 0;
        for (int i = 0; i < n; i++) transfers.add(rnd.nextInt(20) == 0 ? null : new Outgoing.Transfer(rnd.nextInt(8) + 1, rnd.nextBoolean()));
        MessageType type = rnd.nextInt(30) == 0 ? null : MessageType.values()[rnd.nextInt(MessageType.values().length)];
        return rnd.nextInt(40) == 0 ? null : new Outgoing(type, rnd.nextInt(), data, transfers);
    }
}
