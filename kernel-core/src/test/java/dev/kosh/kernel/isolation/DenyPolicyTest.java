package dev.kosh.kernel.isolation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.strings;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class DenyPolicyTest {
    private final DenyPolicy shipped = DenyPolicy.standard();

    @Test
    void shippedPolicyParsesAndCoversEveryVectorFamily() {
        assertTrue(shipped.rules().size() > 100);
        for (String owner : List.of("java.io.File", "java.net.Socket", "java.lang.ProcessBuilder", "java.util.concurrent.Executors",
                "sun.misc.Unsafe", "jdk.internal.misc.Unsafe", "java.lang.foreign.Linker", "java.lang.instrument.Instrumentation",
                "java.lang.management.ManagementFactory", "javax.management.MBeanServer", "java.io.ObjectInputStream")) {
            assertNotNull(shipped.typeDenial(owner), owner);
        }
    }

    @Test
    void memberRulesApplyThroughSupertypesButConstructorsOnlyToTheirClass() {
        assertNotNull(shipped.memberDenial(List.of("java.lang.reflect.Method", "java.lang.reflect.Executable",
                "java.lang.reflect.AccessibleObject"), "setAccessible", "(Z)V"));
        assertNull(shipped.memberDenial(List.of("my.Thread", "java.lang.Thread"), "<init>", "()V"));
        assertNotNull(shipped.memberDenial(List.of("java.lang.Thread"), "<init>", "()V"));
        assertNull(shipped.memberDenial(List.of("java.lang.Thread"), "currentThread", "()Ljava/lang/Thread;"));
    }

    @Test
    void allowRulesWinOverDenyRules() {
        String async = "supplyAsync";
        assertNotNull(shipped.memberDenial(List.of("java.util.concurrent.CompletableFuture"), async,
                "(Ljava/util/function/Supplier;)Ljava/util/concurrent/CompletableFuture;"));
        assertNull(shipped.memberDenial(List.of("java.util.concurrent.CompletableFuture"), async,
                "(Ljava/util/function/Supplier;Ljava/util/concurrent/Executor;)Ljava/util/concurrent/CompletableFuture;"));
    }

    @Test
    void runTimeChecksWalkTheRealHierarchy() {
        assertNotNull(shipped.denialForMember(java.lang.reflect.Field.class, "setAccessible", "(Z)V"));
        assertNotNull(shipped.denialForMember(System.class, "exit", "(I)V"));
        assertNull(shipped.denialForMember(String.class, "length", "()I"));
        assertNotNull(shipped.denialForClass("java.lang.ProcessBuilder"));
        assertNull(shipped.denialForClass("java.lang.String"));
    }

    @Test
    void malformedRulesNameTheirLine() {
        var e = assertThrows(IllegalArgumentException.class, () -> DenyPolicy.parse("# ok\ndeny java.lang.System\n", "t.policy"));
        assertTrue(e.getMessage().startsWith("t.policy:2:"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DenyPolicy.parse("forbid a b c", "t.policy"));
    }

    @Test
    void aPrefixRuleDeniesExactlyTheNamesWithThatPrefix() {
        DenyPolicy p = DenyPolicy.parse("deny com.evil.* * evil", "t");
        qt().forAll(strings().allPossible().ofLengthBetween(0, 12)).checkAssert(suffix -> {
            assertNotNull(p.typeDenial("com.evil." + suffix));
            assertEquals(("x" + suffix).startsWith("com.evil."), p.typeDenial("x" + suffix) != null);
        });
    }

    @Test
    void aMemberGlobMatchesLikeAShellGlob() {
        DenyPolicy p = DenyPolicy.parse("deny a.B set* setters", "t");
        qt().forAll(strings().basicLatinAlphabet().ofLengthBetween(0, 8)).checkAssert(name -> {
            boolean denied = p.memberDenial(List.of("a.B"), name, "()V") != null;
            assertEquals(name.startsWith("set"), denied, name);
        });
    }
}
