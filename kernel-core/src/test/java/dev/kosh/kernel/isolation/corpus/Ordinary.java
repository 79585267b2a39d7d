package dev.kosh.kernel.isolation.corpus;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The positive corpus: ordinary code that must be accepted, woven, and behave exactly as unwoven.
 * Each case maps an int to a value that the test compares between woven and unwoven copies.
 */
public final class Ordinary {
    private Ordinary() {}

    public static final class Collections implements IntFunction<Object> {
        public Object apply(int n) {
            List<Integer> list = new ArrayList<>();
            for (int i = 0; i < n % 50; i++) list.add((i * 31 + n) % 17);
            Map<Integer, Integer> counts = new TreeMap<>();
            for (int x : list) counts.merge(x, 1, Integer::sum);
            list.sort(Comparator.reverseOrder());
            return list + " " + counts + " " + new HashMap<>(counts).size();
        }
    }

    public static final class Streams implements IntFunction<Object> {
        public Object apply(int n) {
            return IntStream.range(0, n % 100).filter(i -> i % 3 != 0).mapToObj(i -> i * i)
                    .collect(Collectors.groupingBy(i -> i % 5, TreeMap::new, Collectors.summingInt(i -> i)));
        }
    }

    record Point(int x, int y) {
        Point {
            if (x < 0) throw new IllegalArgumentException("x");
        }
        int manhattan() { return Math.abs(x) + Math.abs(y); }
    }

    public static final class Records implements IntFunction<Object> {
        public Object apply(int n) {
            List<Point> ps = new ArrayList<>();
            for (int i = 0; i < 5; i++) ps.add(new Point(i, n - i));
            ps.sort(Comparator.comparingInt(Point::manhattan).thenComparing(Point::x));
            return ps + " " + ps.getFirst().equals(new Point(ps.getFirst().x(), ps.getFirst().y())) + " " + ps.hashCode();
        }
    }

    public static final class Formatting implements IntFunction<Object> {
        public Object apply(int n) {
            String block = """
                    n=%d
                    """.formatted(n);
            return String.format("%05d|%x|%.2f|%s|%-6s|", n, n, n / 7.0, block.strip(), "k" + n) + new StringBuilder("kosh").reverse();
        }
    }

    sealed interface Shape permits Circle, Square, Rect {}
    record Circle(int r) implements Shape {}
    record Square(int side) implements Shape {}
    record Rect(int w, int h) implements Shape {}

    public static final class SwitchPatterns implements IntFunction<Object> {
        static String describe(Shape s) {
            return switch (s) {
                case Circle c when c.r() == 0 -> "point";
                case Circle c -> "circle " + c.r();
                case Square(int side) -> "square " + side;
                case Rect(int w, int h) when w == h -> "square-ish rect " + w;
                case Rect r -> "rect " + r.w() + "x" + r.h();
            };
        }

        public Object apply(int n) {
            Shape s = switch (n % 4) {
                case 0 -> new Circle(n % 3);
                case 1 -> new Square(n);
                case 2 -> new Rect(n, n);
                default -> new Rect(n, n + 1);
            };
            String day = switch (Integer.toString(n % 3)) {
                case "0" -> "zero";
                case "1" -> "one";
                default -> "many";
            };
            return describe(s) + " " + day;
        }
    }

    public static final class Lambdas implements IntFunction<Object> {
        public Object apply(int n) {
            Function<Integer, Integer> inc = x -> x + 1;
            Function<Integer, Integer> twice = inc.andThen(x -> x * 2).compose(x -> x - 3);
            Optional<String> o = Optional.of(n).filter(x -> x % 2 == 0).map(Object::toString);
            return twice.apply(n) + " " + o.orElse("odd");
        }
    }

    static final class Resource implements AutoCloseable {
        final List<String> log;
        Resource(List<String> log) { this.log = log; log.add("open"); }
        public void close() { log.add("close"); }
    }

    public static final class TryFinally implements IntFunction<Object> {
        static int risky(int n, List<String> log) {
            try (Resource r = new Resource(log)) {
                if (n % 3 == 0) throw new IllegalStateException("three " + n);
                return n;
            } catch (IllegalStateException e) {
                log.add("caught " + e.getMessage());
                return -1;
            } finally {
                log.add("finally");
            }
        }

        public Object apply(int n) {
            List<String> log = new ArrayList<>();
            int r = risky(n, log);
            Object lock = new Object();
            synchronized (lock) {
                log.add("locked");
            }
            try {
                Object x = null;
                x.hashCode();
            } catch (NullPointerException | ClassCastException e) {
                log.add("npe");
            } catch (Throwable t) {
                log.add("other");
            }
            return r + " " + log;
        }
    }

    public static final class NestedLoops implements IntFunction<Object> {
        public Object apply(int n) {
            long sum = 0;
            outer:
            for (int i = 0; i < n % 40; i++) {
                int j = 0;
                do {
                    if ((i + j) % 7 == 6) continue outer;
                    if (i * j > 300) break outer;
                    sum += (long) i * j;
                    j++;
                } while (j < i);
                int k = i;
                while (k > 0) k /= 2;
            }
            int[] arr = IntStream.range(0, n % 30).map(i -> (i * 7919) % 31).toArray();
            Arrays.sort(arr);
            return sum + " " + Arrays.toString(arr) + " " + Arrays.binarySearch(arr, 5);
        }
    }

    static final class Box<T extends Comparable<T>> implements Iterable<T> {
        private final List<T> items = new ArrayList<>();
        Box<T> add(T t) { items.add(t); return this; }
        T max() { return items.stream().max(Comparator.naturalOrder()).orElseThrow(); }
        public Iterator<T> iterator() { return items.iterator(); }
    }

    public static final class Generics implements IntFunction<Object> {
        public Object apply(int n) {
            Box<String> b = new Box<String>().add("a" + n).add("b").add("z" + (n % 10));
            StringBuilder sb = new StringBuilder();
            for (String s : b) sb.append(s).append(',');
            BigInteger f = BigInteger.ONE;
            for (int i = 2; i <= n % 25; i++) f = f.multiply(BigInteger.valueOf(i));
            return b.max() + " " + sb + " " + f;
        }
    }

    public static final class Recursion implements IntFunction<Object> {
        static long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
        public Object apply(int n) { return fib(n % 20); }
    }

    /** Reflection that stays inside the process: allowed through the guards, caller-sensitive as before. */
    public static final class OwnReflection implements IntFunction<Object> {
        private int secret(int n) { return n * 3; }

        public Object apply(int n) {
            try {
                Method m = OwnReflection.class.getDeclaredMethod("secret", int.class);
                Object viaReflection = m.invoke(this, n); // private, same class: no setAccessible needed
                Class<?> again = Class.forName(Point.class.getName()); // the caller's loader
                Runnable proxy = (Runnable) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Runnable.class},
                        (p, method, args) -> null);
                proxy.run();
                int viaExecutor = CompletableFuture.supplyAsync(() -> n * 2, Runnable::run).join();
                return viaReflection + " " + (again == Point.class) + " " + viaExecutor;
            } catch (ReflectiveOperationException e) {
                return e.toString();
            }
        }
    }

    /** A service interface with a provider registered by this "bundle" (META-INF/services in the test resources). */
    public interface Greeter { String greet(int n); }
    public static final class PoliteGreeter implements Greeter {
        public String greet(int n) { return "hello " + n; }
    }

    /** ServiceLoader finds the bundle's own providers, woven (own loader) as unwoven (context loader). */
    public static final class OwnServices implements IntFunction<Object> {
        public Object apply(int n) {
            List<String> out = new ArrayList<>();
            for (Greeter g : java.util.ServiceLoader.load(Greeter.class)) out.add(g.getClass().getName() + ": " + g.greet(n));
            out.add(String.valueOf(java.util.ServiceLoader.load(Greeter.class, Greeter.class.getClassLoader()).stream().count()));
            out.add(String.valueOf(Thread.currentThread().getContextClassLoader() != null));
            return out;
        }
    }

    /** An exception's trace as text, and printStackTrace() of a caught exception (to the kernel's hook when woven). */
    public static final class StackTraces implements IntFunction<Object> {
        public Object apply(int n) {
            try {
                if (n >= 0) throw new IllegalArgumentException("n = " + n);
                return "none";
            } catch (IllegalArgumentException e) {
                if (n % 100 == 0) e.printStackTrace();
                java.io.StringWriter w = new java.io.StringWriter();
                e.printStackTrace(new java.io.PrintWriter(w));
                return w.toString().lines().findFirst().orElse("");
            }
        }
    }
}
