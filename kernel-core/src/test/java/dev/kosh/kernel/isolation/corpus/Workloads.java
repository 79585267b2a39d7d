package dev.kosh.kernel.isolation.corpus;

import java.util.function.LongUnaryOperator;

/** CPU-bound workloads for the preemption-point overhead benchmark (woven vs unwoven copies). */
public final class Workloads {
    private Workloads() {}

    /** Recursive Fibonacci: a method entry per call, almost nothing else. */
    public static final class Fib implements LongUnaryOperator {
        static long fib(long n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
        public long applyAsLong(long n) { return fib(n); }
    }

    /** A tight numeric loop with a loop-carried dependency (xorshift): a back-edge per iteration. */
    public static final class NumericLoop implements LongUnaryOperator {
        public long applyAsLong(long n) {
            long x = n | 1;
            long acc = 0;
            for (int i = 0; i < 100_000; i++) {
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
                acc += x & 1023;
            }
            return acc;
        }
    }

    /** Sieve of Eratosthenes: nested loops over an array. */
    public static final class Sieve implements LongUnaryOperator {
        public long applyAsLong(long n) {
            int limit = 50_000 + (int) (n & 1);
            boolean[] composite = new boolean[limit + 1];
            long count = 0;
            for (int i = 2; i <= limit; i++) {
                if (composite[i]) continue;
                count++;
                for (long j = (long) i * i; j <= limit; j += i) composite[(int) j] = true;
            }
            return count;
        }
    }
}
