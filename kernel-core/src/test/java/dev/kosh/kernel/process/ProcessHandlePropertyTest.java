package dev.kosh.kernel.process;

import static org.quicktheories.QuickTheory.qt;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.quicktheories.generators.SourceDSL;

import dev.kosh.api.ProcessContext;
import dev.kosh.api.Right;
import dev.kosh.api.Signal;
import dev.kosh.api.SysResult;
import dev.kosh.kernel.cap.Capability;
import dev.kosh.kernel.cap.CapabilityTable;
import dev.kosh.kernel.cap.KernelObject;
import dev.kosh.kernel.testing.CapabilityModel;
import dev.kosh.kernel.testing.TestKernel;

/**
 * The capability model of {@code CapabilityTreePropertyTest} over real process objects: a parent,
 * its two children and an unrelated process derive, transfer, delete and revoke process
 * capabilities at random, and make the system calls by handle (status, signal, wait). After every
 * step: the tables hold exactly what the model says, rights never grew, and each system call
 * reached its process exactly when the handle had the right it needs.
 */
@Timeout(120)
class ProcessHandlePropertyTest {

    private record World(TestKernel kernel, CapabilityModel model, CountDownLatch release) implements AutoCloseable {
        @Override
        public void close() {
            release.countDown();
            kernel.close();
        }
    }

    private static World world() throws Exception {
        TestKernel kernel = new TestKernel();
        CountDownLatch release = new CountDownLatch(1);
        ConcurrentHashMap<Integer, CompletableFuture<ProcessContext>> contexts = new ConcurrentHashMap<>();
        kernel.programs.add("holder", TestKernel.ALL_CAPABILITIES, c -> {
            contexts.computeIfAbsent(c.pid(), p -> new CompletableFuture<>()).complete(c);
            while (!c.terminationRequested() && release.getCount() > 0) c.sleep(Duration.ofMillis(20));
            return 0;
        });
        KoshProcess parent = kernel.spawn("holder");
        KoshProcess stranger = kernel.spawn("holder");
        ProcessContext pc = context(contexts, parent.pid());
        int c1 = pc.spawn("holder", List.of()).orThrow();
        int c2 = pc.spawn("holder", List.of()).orThrow();
        KoshProcess child1 = kernel.table.get(c1).orElseThrow();
        KoshProcess child2 = kernel.table.get(c2).orElseThrow();
        KoshProcess[] ps = {parent, stranger, child1, child2};
        ProcessContext[] ctx = new ProcessContext[ps.length];
        CapabilityTable[] tables = new CapabilityTable[ps.length];
        for (int i = 0; i < ps.length; i++) {
            ctx[i] = context(contexts, ps[i].pid());
            tables[i] = ps[i].capabilityTable();
        }
        // The children's main threads too: a thread capability has SIGNAL since threads take KILL/STOP/CONT by handle.
        ThreadObject main1 = child1.threadObject(child1.threads().getFirst());
        ThreadObject main2 = child2.threadObject(child2.threads().getFirst());
        KernelObject[] objects = {child1.object(), child2.object(), main1, main2};
        CapabilityModel model = new CapabilityModel(kernel.table.capabilitySpace(), tables, objects);
        // What the kernel granted: the parent a handle to each child, each child one to itself.
        model.adopt(0, lookup(tables[0], pc.processHandle(c1).orThrow()));
        model.adopt(0, lookup(tables[0], pc.processHandle(c2).orThrow()));
        model.adopt(2, lookup(tables[2], ctx[2].selfHandle()));
        model.adopt(3, lookup(tables[3], ctx[3].selfHandle()));
        model.adopt(2, lookup(tables[2], ctx[2].threadHandle(child1.threads().getFirst()).orThrow()));
        model.adopt(3, lookup(tables[3], ctx[3].threadHandle(child2.threads().getFirst()).orThrow()));
        // Each use is the call for the handle's type: status, signal and wait of a process or of a thread.
        model.use(new CapabilityModel.Use("status", Right.READ, (t, h) -> isThread(tables[t], h) ? ctx[t].threadStatus(h) : ctx[t].processStatus(h)));
        model.use(new CapabilityModel.Use("signal CONT", Right.SIGNAL, (t, h) -> ctx[t].signal(h, Signal.CONT)));
        model.use(new CapabilityModel.Use("wait 0", Right.WAIT, (t, h) -> {
            try {
                return isThread(tables[t], h) ? ctx[t].join(h, Duration.ZERO) : ctx[t].await(h, Duration.ZERO);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }));
        return new World(kernel, model, release);
    }

    private static ProcessContext context(ConcurrentHashMap<Integer, CompletableFuture<ProcessContext>> contexts, int pid) throws Exception {
        return contexts.computeIfAbsent(pid, p -> new CompletableFuture<>()).get(5, TimeUnit.SECONDS);
    }

    private static boolean isThread(CapabilityTable t, int handle) {
        Capability c = t.lookup(handle);
        return c != null && c.object().type() == dev.kosh.api.ObjectType.THREAD;
    }

    private static Capability lookup(CapabilityTable t, int handle) {
        Capability c = t.lookup(handle);
        if (c == null) throw new AssertionError("no capability at handle " + handle);
        return c;
    }

    @Test
    void processCapabilitiesFollowTheModelAndSystemCallsReachOnlyWithTheRight() {
        qt().withExamples(120).forAll(SourceDSL.lists().of(SourceDSL.integers().all()).ofSizeBetween(1, 80))
                .checkAssert(script -> {
                    try (World w = world()) {
                        w.model().check();
                        for (int code : script) w.model().step(code);
                        // No step ever signalled a child with anything but CONT: both are still running.
                        for (KoshProcess p : w.kernel().table.live()) if (p.terminationRequested()) throw new AssertionError(p + " was asked to exit");
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
    }
}
