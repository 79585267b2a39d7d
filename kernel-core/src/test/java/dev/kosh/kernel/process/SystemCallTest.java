package dev.kosh.kernel.process;

import static dev.kosh.kernel.process.ProcessLifecycleTest.await;
import static dev.kosh.kernel.testing.TestKernel.exitOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

import dev.kosh.api.Errno;
import dev.kosh.api.KoshException;
import dev.kosh.api.ProcessContext;
import dev.kosh.api.SysResult;
import dev.kosh.kernel.journal.Severity;
import dev.kosh.kernel.testing.TestKernel;

/** Decode before invoke: every system call checks capabilities and arguments and answers with a typed error. */
@Timeout(10)
class SystemCallTest {
    private final TestKernel kernel = new TestKernel();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        release.countDown();
        kernel.close();
    }

    /** Runs {@code body} as the main of a process declaring {@code declared}, allowed everything, and returns what it produced. */
    private <T> T inProcess(Set<String> declared, ThrowingFunction<T> body) throws Exception {
        CompletableFuture<T> out = new CompletableFuture<>();
        kernel.programs.add("probe", declared, ctx -> {
            try {
                out.complete(body.apply(ctx));
            } catch (Throwable t) {
                out.completeExceptionally(t);
            }
            return 0;
        });
        kernel.spawn("probe");
        return out.get(5, TimeUnit.SECONDS);
    }

    @FunctionalInterface
    private interface ThrowingFunction<T> {
        T apply(ProcessContext ctx) throws Exception;
    }

    private static Errno errno(SysResult<?> r) {
        return assertInstanceOf(SysResult.Err.class, r, String.valueOf(r)).errno();
    }

    // ---- capabilities -----------------------------------------------------------------------

    @Test
    void callsNeedingAnUngrantedCapabilityAnswerNoCapability() throws Exception {
        Map<String, Object> r = inProcess(Set.of(), ctx -> {
            Map<String, Object> m = new LinkedHashMap<>();
            try {
                ctx.console();
                m.put("console", "granted");
            } catch (KoshException e) {
                m.put("console", e.errno());
            }
            m.put("log", errno(ctx.log("hi")));
            m.put("spawn", errno(ctx.spawn("probe", List.of())));
            m.put("publish", errno(ctx.publish(Runnable.class, () -> { })));
            return m;
        });
        assertEquals(Map.of("console", Errno.NO_CAPABILITY, "log", Errno.NO_CAPABILITY, "spawn", Errno.NO_CAPABILITY,
                "publish", Errno.NO_CAPABILITY), r);
    }

    @Test
    void grantedConsoleAndLogReachTheConsoleAndTheJournal() throws Exception {
        int pid = inProcess(Set.of("console", "log"), ctx -> {
            ctx.console().println("hello");
            ctx.log("a journal line").orThrow();
            return ctx.pid();
        });
        assertEquals(List.of(pid + ":hello" + System.lineSeparator()), kernel.console);
        assertTrue(kernel.journal.has(Severity.INFO, "pid " + pid + " probe", "a journal line"), kernel.journal.dump());
    }

    @Test
    void undeclaredCapabilitiesAreNeverGrantedEvenIfAllowed() {
        kernel.programs.add("modest", Set.of("log"), ctx -> {
            await(release);
            return 0;
        });
        KoshProcess p = kernel.spawn("modest", Set.of("log", "console", "spawn"));
        assertEquals(Set.of("log"), p.capabilities().names());
    }

    @Test
    void declaredButDisallowedCapabilitiesAreNotGranted() {
        kernel.programs.add("greedy", Set.of("log", "console", "spawn", "publish"), ctx -> {
            await(release);
            return 0;
        });
        KoshProcess p = kernel.spawn("greedy", Set.of("console"));
        assertEquals(Set.of("console"), p.capabilities().names());
    }

    @Test
    void childNeverHoldsMoreThanItsParent() throws Exception {
        kernel.programs.add("child", Set.of("console", "log", "publish", "spawn"), ctx -> {
            await(release);
            return 0;
        });
        int childPid = inProcess(Set.of("spawn", "log"), ctx -> ctx.spawn("child", List.of("x")).orThrow());
        KoshProcess child = kernel.table.get(childPid).orElseThrow();
        assertEquals(Set.of("spawn", "log"), child.capabilities().names());
        assertEquals(List.of("x"), child.args());
    }

    private static final List<String> NAMES = List.of("console", "log", "spawn", "publish", "net", "fs");

    private static Gen<Set<String>> subsets() {
        return SourceDSL.integers().between(0, (1 << NAMES.size()) - 1).map(bits -> {
            Set<String> s = new HashSet<>();
            for (int i = 0; i < NAMES.size(); i++) if ((bits & (1 << i)) != 0) s.add(NAMES.get(i));
            return s;
        });
    }

    @Test
    void grantIsDeclaredIntersectAllowedAndAChainOfSpawnsOnlyNarrows() {
        qt().forAll(subsets(), subsets(), subsets(), subsets()).checkAssert((policy, parentDeclared, childDeclared, grandchildDeclared) -> {
            CapabilitySet parent = CapabilitySet.grant(parentDeclared, policy);
            Set<String> expected = new HashSet<>(parentDeclared);
            expected.retainAll(policy);
            assertEquals(expected, parent.names());
            // A child's allowed set is its parent's grant, as ProcessContext.spawn passes it.
            CapabilitySet child = CapabilitySet.grant(childDeclared, parent.names());
            CapabilitySet grandchild = CapabilitySet.grant(grandchildDeclared, child.names());
            assertTrue(parent.names().containsAll(child.names()), "child within parent");
            assertTrue(child.names().containsAll(grandchild.names()), "grandchild within child");
            assertTrue(childDeclared.containsAll(child.names()), "nothing undeclared");
            for (String name : NAMES) assertEquals(child.names().contains(name), child.has(name));
        });
    }

    // ---- invalid arguments ------------------------------------------------------------------

    @Test
    void spawnWithAnImmutableArgumentListWorks() throws Exception {
        kernel.programs.add("child", Set.of(), ctx -> 0);
        SysResult<Integer> r = inProcess(Set.of("spawn"), ctx -> ctx.spawn("child", List.of("a", "b")));
        assertTrue(r.isOk(), String.valueOf(r));
    }

    @Test
    void invalidSpawnArgumentsAreInvalidArgumentNotExceptions() throws Exception {
        List<Errno> r = inProcess(Set.of("spawn"), ctx -> List.of(
                errno(ctx.spawn(null, List.of())),
                errno(ctx.spawn(" ", List.of())),
                errno(ctx.spawn("probe", null)),
                errno(ctx.spawn("probe", Arrays.asList("a", null))),
                errno(ctx.spawn("probe", java.util.Collections.nCopies(257, "x"))),
                errno(ctx.spawn("nothing-by-this-name", List.of()))));
        assertEquals(List.of(Errno.INVALID_ARGUMENT, Errno.INVALID_ARGUMENT, Errno.INVALID_ARGUMENT, Errno.INVALID_ARGUMENT,
                Errno.INVALID_ARGUMENT, Errno.NO_SUCH_PROGRAM), r);
    }

    @Test
    void invalidThreadLogPublishAndWaitArgumentsAreInvalidArgument() throws Exception {
        class NotAnInterface {
        }
        List<Errno> r = inProcess(Set.of("log", "publish"), ctx -> List.of(
                errno(ctx.startThread(null, () -> { })),
                errno(ctx.startThread(" ", () -> { })),
                errno(ctx.startThread("t", null)),
                errno(ctx.log(null)),
                errno(ctx.log("x".repeat(4097))),
                errno(ctx.publish(null, (Runnable) () -> { })),
                errno(ctx.publish(Runnable.class, null)),
                errno(ctx.publish(NotAnInterface.class, new NotAnInterface())),
                errno(ctx.waitFor(1, null)),
                errno(ctx.waitFor(1, Duration.ofSeconds(-1)))));
        assertEquals(java.util.Collections.nCopies(10, Errno.INVALID_ARGUMENT), r);
    }

    @Test
    void aServiceObjectNotImplementingItsInterfaceIsRefused() throws Exception {
        @SuppressWarnings({"unchecked", "rawtypes"})
        Errno e = inProcess(Set.of("publish"), ctx -> errno(ctx.publish((Class) Runnable.class, "not a runnable")));
        assertEquals(Errno.INVALID_ARGUMENT, e);
    }

    @Test
    void publishingThroughAnImageThatCannotPublishIsInvalidArgument() throws Exception {
        kernel.programs.add(new ProgramImage() {
            public String name() {
                return "plain";
            }

            public String origin() {
                return "plain";
            }

            public Set<String> declaredCapabilities() {
                return Set.of("publish");
            }

            public dev.kosh.api.Program instantiate() {
                return ctx -> errno(ctx.publish(Runnable.class, () -> { })) == Errno.INVALID_ARGUMENT ? 0 : 1;
            }
        });
        assertEquals(0, exitOf(kernel.spawn("plain")).code());
    }

    @Test
    void invalidSleepIsAKoshExceptionWithInvalidArgument() throws Exception {
        List<Errno> r = inProcess(Set.of(), ctx -> {
            List<Errno> out = new ArrayList<>();
            for (Duration d : Arrays.asList(Duration.ofMillis(-1), null)) {
                try {
                    ctx.sleep(d);
                    out.add(null);
                } catch (KoshException e) {
                    out.add(e.errno());
                }
            }
            return out;
        });
        assertEquals(List.of(Errno.INVALID_ARGUMENT, Errno.INVALID_ARGUMENT), r);
    }

    @Test
    void malformedSpawnRequestsToTheTableAreInvalidArgument() {
        kernel.programs.add("x", Set.of(), ctx -> 0);
        assertEquals(Errno.INVALID_ARGUMENT, errno(kernel.table.spawn(null)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(kernel.table.spawn(ProcessTable.SpawnRequest.of(null, List.of(), 1, Set.of()))));
        assertEquals(Errno.INVALID_ARGUMENT, errno(kernel.table.spawn(ProcessTable.SpawnRequest.of("x", null, 1, Set.of()))));
        assertEquals(Errno.INVALID_ARGUMENT, errno(kernel.table.spawn(ProcessTable.SpawnRequest.of("x", List.of(), 1, null))));
        assertEquals(Errno.INVALID_ARGUMENT, errno(kernel.table.spawn(new ProcessTable.SpawnRequest("x", List.of(), 1, Set.of(), null, null))));
        assertEquals(Errno.NO_SUCH_PROCESS, errno(kernel.table.spawn(ProcessTable.SpawnRequest.of("x", List.of(), 77, Set.of()))));
        assertEquals(Errno.NO_SUCH_PROGRAM, errno(kernel.table.spawn(ProcessTable.SpawnRequest.of("y", List.of(), 1, Set.of()))));
    }
}
