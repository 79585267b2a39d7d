package dev.kosh.kernel.isolation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.apache.commons.lang3.StringUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A real library from Maven Central (commons-lang3) through the verifier and the weaver. */
@Timeout(120)
class ThirdPartyLibraryTest {
    private static final String PREFIX = "org.apache.commons.lang3.";

    @Test
    void commonsLang3IsMostlyAcceptedAndItsWovenClassesBehaveTheSame() throws Exception {
        ClassLoader cl = getClass().getClassLoader();
        Path jar = Path.of(StringUtils.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ClassWeaver weaver = ClassWeaver.standard();
        int woven = 0, unchanged = 0, refused = 0, failed = 0;
        Map<String, Integer> byRule = new TreeMap<>();
        Map<String, String> refusedClasses = new TreeMap<>();
        long t0 = System.nanoTime();
        try (JarFile jf = new JarFile(jar.toFile())) {
            for (Enumeration<JarEntry> en = jf.entries(); en.hasMoreElements(); ) {
                JarEntry e = en.nextElement();
                if (!e.getName().endsWith(".class") || e.getName().contains("module-info")) continue;
                String name = e.getName().substring(0, e.getName().length() - 6).replace('/', '.');
                byte[] bytes = jf.getInputStream(e).readAllBytes();
                switch (weaver.weave(name, bytes, cl, "commons-lang3")) {
                    case WeaveResult.Woven w -> woven++;
                    case WeaveResult.Unchanged u -> unchanged++;
                    case WeaveResult.Refused r -> {
                        refused++;
                        refusedClasses.put(name, r.verdict().violations().getFirst().rule());
                        r.verdict().violations().stream().map(Violation::rule).distinct()
                                .forEach(rule -> byRule.merge(rule, 1, Integer::sum));
                    }
                    case WeaveResult.Failed f -> {
                        failed++;
                        refusedClasses.put(name, "FAILED " + f.reason());
                    }
                }
            }
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        int total = woven + unchanged + refused + failed;
        System.out.printf("commons-lang3: %d classes in %.0f ms: %d woven, %d unchanged, %d refused, %d failed%n",
                total, ms, woven, unchanged, refused, failed);
        byRule.forEach((rule, n) -> System.out.printf("  %3d classes: %s%n", n, rule));
        refusedClasses.forEach((c, r) -> System.out.printf("  refused %s -- %s%n", c, r));
        assertEquals(0, failed, "every accepted class must weave");
        assertTrue(woven > total / 2, "most of commons-lang3 is ordinary code");

        // Run woven StringUtils / ArrayUtils next to the plain ones.
        WovenLoader loader = new WovenLoader(List.of(PREFIX), true, Map.of());
        SandboxFixture.hooks();
        Class<?> su = loader.loadClass(PREFIX + "StringUtils");
        assertEquals(loader, su.getClassLoader());
        assertSame("abc...", su, "abbreviate", new Class<?>[] {String.class, int.class}, "abcdefghij", 6);
        assertSame("Kosh", su, "capitalize", new Class<?>[] {String.class}, "kosh");
        assertSame("hsok", su, "reverse", new Class<?>[] {String.class}, "kosh");
        assertSame("  kosh  ", su, "center", new Class<?>[] {String.class, int.class}, "kosh", 8);
        assertSame(3, su, "countMatches", new Class<?>[] {CharSequence.class, CharSequence.class}, "a-b-c-d", "-");
        assertSame("a,b,c", su, "join", new Class<?>[] {Object[].class, String.class}, new Object[] {"a", "b", "c"}, ",");
        Class<?> au = loader.loadClass(PREFIX + "ArrayUtils");
        assertSame("{3,2,1}", au, "toString", new Class<?>[] {Object.class}, (Object) reversed(au));
    }

    private static Object reversed(Class<?> au) throws Exception {
        int[] a = {1, 2, 3};
        au.getMethod("reverse", int[].class).invoke(null, (Object) a);
        return a;
    }

    private static void assertSame(Object expected, Class<?> c, String method, Class<?>[] types, Object... args) throws Exception {
        Method m = c.getMethod(method, types);
        Object woven = m.invoke(null, args);
        Object plain = Class.forName(c.getName()).getMethod(method, types).invoke(null, args);
        assertEquals(plain, woven, method);
        assertEquals(expected, woven, method);
    }
}
