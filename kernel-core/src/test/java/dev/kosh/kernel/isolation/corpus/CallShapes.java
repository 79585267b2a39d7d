package dev.kosh.kernel.isolation.corpus;

/** Shapes of call graphs, for the weaver's call-cycle analysis. */
@SuppressWarnings("unused")
public final class CallShapes {
    private int depth;

    static long fib(long n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
    static boolean even(int n) { return n == 0 || odd(n - 1); }
    static boolean odd(int n) { return n != 0 && even(n - 1); }
    static int a(int x) { return b(x) + 1; }
    static int b(int x) { return c(x) * 2; }
    static int c(int x) { return x; }
    static int f(int x) { return (int) f((long) x); } // calls its overload, not itself
    static long f(long x) { return x + 1; }
    void descend() { depth++; descend(); }
    static int viaOtherClass(int n) { return n == 0 ? 0 : Other.back(n - 1); } // a cycle through Other: not seen
    static int withLambda(int n) { java.util.function.IntUnaryOperator g = k -> k + 1; return g.applyAsInt(n); }

    /** The other half of a cycle between two classes. */
    public static final class Other {
        static int back(int n) { return viaOtherClass(n); }
    }
}
