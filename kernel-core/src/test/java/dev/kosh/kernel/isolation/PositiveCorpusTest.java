package dev.kosh.kernel.isolation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

/** Ordinary code is accepted, woven, and gives the same results woven as unwoven. */
@Timeout(30)
class PositiveCorpusTest {
    private static final String O = Runs.CORPUS + "Ordinary$";

    @BeforeAll
    static void install() {
        SandboxFixture.hooks();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Collections", "Streams", "Records", "Formatting", "SwitchPatterns", "Lambdas", "TryFinally",
            "NestedLoops", "Generics", "Recursion", "OwnReflection", "OwnServices", "StackTraces"})
    @SuppressWarnings("unchecked")
    void ordinaryCodeBehavesTheSameWoven(String name) throws Exception {
        WovenLoader loader = new WovenLoader(List.of(Runs.CORPUS), true, java.util.Map.of());
        Class<?> wovenClass = loader.loadClass(O + name);
        assertEquals(loader, wovenClass.getClassLoader());
        assertInstanceOf(WeaveResult.Woven.class, loader.results.get(O + name));
        IntFunction<Object> woven = (IntFunction<Object>) wovenClass.getDeclaredConstructor().newInstance();
        IntFunction<Object> plain = (IntFunction<Object>) Class.forName(O + name).getDeclaredConstructor().newInstance();
        qt().withExamples(60).forAll(integers().between(0, 500))
                .checkAssert(n -> assertEquals(String.valueOf(plain.apply(n)), String.valueOf(woven.apply(n))));
    }
}
