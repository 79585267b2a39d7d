package dev.kosh.kernel.isolation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ClassWeaverTest {
    private static WeaveStats stats(String cls) {
        String name = Runs.CORPUS + cls;
        byte[] bytes = WovenLoader.read(ClassWeaverTest.class.getClassLoader(), name);
        WeaveResult r = SandboxFixture.weaver().weave(name, bytes, ClassWeaverTest.class.getClassLoader(), "test");
        WeaveResult.Woven w = assertInstanceOf(WeaveResult.Woven.class, r);
        assertEquals(List.of("dev.kosh.sandbox"), w.importedPackages());
        return w.stats();
    }

    @Test
    void loopsGetABackEdgePollAndCallersAnEntryPoll() {
        WeaveStats spin = stats("Escapes$Spin");
        assertTrue(spin.backEdgePolls() >= 1, spin.toString());
        WeaveStats fib = stats("Workloads$Fib");
        assertTrue(fib.entryPolls() >= 2, fib.toString()); // fib and applyAsLong call; the constructor calls super
    }

    @Test
    void leafMethodsWithoutLoopsOrCallsGetNoEntryPoll() {
        WeaveStats point = stats("Ordinary$Point"); // record: accessors are leaves
        assertTrue(point.entryPolls() < point.methods(), point.toString());
    }

    @Test
    void everyHandlerGetsAKillRethrowAndReflectiveCallsAGuard() {
        WeaveStats t = stats("Ordinary$TryFinally");
        assertTrue(t.handlerChecks() >= 4, t.toString());
        WeaveStats r = stats("Ordinary$OwnReflection");
        assertTrue(r.guardedCalls() >= 3, r.toString()); // invoke, forName, newProxyInstance
    }
}
