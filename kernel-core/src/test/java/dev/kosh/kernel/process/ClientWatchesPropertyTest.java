package dev.kosh.kernel.process;

import static dev.kosh.kernel.testing.TestKernel.exitOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

import dev.kosh.api.ObjectType;
import dev.kosh.api.Right;
import dev.kosh.api.Rights;
import dev.kosh.api.Signal;
import dev.kosh.kernel.cap.CapabilitySpace;
import dev.kosh.kernel.cap.KernelObject;
import dev.kosh.kernel.testing.TestKernel;

/**
 * Death notification against a model: clients holding random badged (and unbadged) capabilities to
 * a watched and an unwatched object end in random order, the server taking its reports at random
 * points. Each take answers exactly the badges (≠ 0, to the watched object) of the clients ended
 * since the last take that were not already pending, in the order they were added; the wake-up
 * runs once per newly added badge.
 */
@Timeout(120)
class ClientWatchesPropertyTest {

    /** A client: the badges of its capabilities to the watched object and to the other one. */
    private record Client(List<Integer> watchedBadges, List<Integer> otherBadges) {}

    private static Gen<Client> client() {
        Gen<List<Integer>> badges = SourceDSL.lists().of(SourceDSL.integers().between(0, 4)).ofSizeBetween(0, 3);
        return badges.zip(badges, Client::new);
    }

    @Test
    void takesAnswerExactlyTheEndedClientsBadgesOnceEachInOrder() {
        qt().withExamples(40).forAll(SourceDSL.lists().of(client()).ofSizeBetween(1, 6),
                        SourceDSL.lists().of(SourceDSL.integers().between(0, 9)).ofSizeBetween(6, 12))
                .checkAssert((clients, script) -> {
                    try (TestKernel kernel = new TestKernel(Duration.ofMillis(200))) {
                        run(kernel, clients, script);
                    }
                });
    }

    private static void run(TestKernel kernel, List<Client> clients, List<Integer> script) {
        kernel.programs.add("idle", Set.of(), c -> {
            while (!c.terminationRequested()) c.sleep(Duration.ofMillis(20));
            return 0;
        });
        CapabilitySpace space = kernel.table.capabilitySpace();
        KoshProcess server = kernel.spawn("idle");
        KernelObject watched = new KernelObject(ObjectType.ENDPOINT) { };
        KernelObject other = new KernelObject(ObjectType.ENDPOINT) { };
        var serverCap = space.create(server.capabilityTable(), watched, Rights.of(Right.CALL, Right.RECEIVE, Right.GRANT), 0).orThrow();
        var otherCap = space.create(server.capabilityTable(), other, Rights.of(Right.CALL, Right.RECEIVE, Right.GRANT), 0).orThrow();
        AtomicInteger wakes = new AtomicInteger();
        ClientWatches watches = server.clientWatches();
        watches.watch(server, watched, wakes::incrementAndGet).orThrow();

        List<KoshProcess> live = new ArrayList<>();
        List<Client> kinds = new ArrayList<>();
        for (Client c : clients) {
            KoshProcess p = kernel.spawn("idle");
            for (int b : c.watchedBadges()) space.grant(server.capabilityTable().lookup(serverCap), p.capabilityTable(), Rights.of(Right.CALL), b).orThrow();
            for (int b : c.otherBadges()) space.grant(server.capabilityTable().lookup(otherCap), p.capabilityTable(), Rights.of(Right.CALL), b).orThrow();
            live.add(p);
            kinds.add(c);
        }
        LinkedHashSet<Long> pending = new LinkedHashSet<>();
        int expectedWakes = 0;
        for (int step : script) {
            if (step < 6 && !live.isEmpty()) { // a client ends: KILL or TERM
                int i = step % live.size();
                KoshProcess p = live.remove(i);
                Client c = kinds.remove(i);
                kernel.table.signal(p.pid(), step % 2 == 0 ? Signal.KILL : Signal.TERM, "test").orThrow();
                exitOf(p);
                for (int b : c.watchedBadges()) { // the table lists them in handle order, which is grant order here
                    if (b != 0 && pending.add((long) b)) expectedWakes++;
                }
            } else { // the server takes what is pending
                long[] got = watches.take(server, watched).orThrow();
                assertEquals(List.copyOf(pending), toList(got), "take after " + script);
                pending.clear();
            }
            assertEquals(expectedWakes, wakes.get(), "one wake-up per newly reported badge");
        }
        assertEquals(List.copyOf(pending), toList(watches.take(server, watched).orThrow()));
        assertEquals(0, toList(watches.take(server, watched).orThrow()).size(), "taken: empty");
    }

    private static List<Long> toList(long[] a) {
        List<Long> out = new ArrayList<>();
        for (long x : a) out.add(x);
        return out;
    }
}
