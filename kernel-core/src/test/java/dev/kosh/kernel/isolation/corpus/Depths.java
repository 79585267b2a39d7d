package dev.kosh.kernel.isolation.corpus;

import java.util.concurrent.Callable;

/** Recursions of a chosen depth, for kill latency against the number of frames to unwind. */
public final class Depths {
    private Depths() {}

    /** Recurses to {@link #depth} and back, forever: a kill finds it at any depth up to that. */
    public static final class Recurse implements Callable<Object> {
        public static volatile int depth = 1000;
        public static volatile long sink;

        static long down(int d) { return d == 0 ? 0 : 1 + down(d - 1); }

        public Object call() {
            int d = depth;
            while (true) sink += down(d);
        }
    }

    /** The same, but each level also runs a short loop (which the JIT inlines into the recursion). */
    public static final class RecurseWithLoop implements Callable<Object> {
        public static volatile int depth = 1000;
        public static volatile long sink;

        static long sum(int d) {
            long s = 0;
            for (int i = 0; i < 4; i++) s += d ^ i;
            return s;
        }

        static long down(int d) { return d == 0 ? 0 : sum(d) + down(d - 1); }

        public Object call() {
            int d = depth;
            while (true) sink += down(d);
        }
    }

    /**
     * Goes 2000 calls deep, then recurses binarily for ever without returning to a loop: its
     * thread reaches only entry points of recursive methods, so a kill must escalate to them and
     * unwind 2000 deoptimized frames.
     */
    public static final class DeepThenBinary implements Callable<Object> {
        static long tree(int d) { return d == 0 ? 1 : tree(d - 1) + tree(d - 1); }

        static long deep(int d) { return d == 0 ? tree(62) : 1 + deep(d - 1); }

        public Object call() { return deep(2000); }
    }

    /** Overflows its stack, catches the error and does it again, forever (launcher QuotaTest's bomb). */
    public static final class Overflow implements Callable<Object> {
        private int level;

        public Object call() {
            while (true) {
                try {
                    descend();
                } catch (StackOverflowError e) {
                    level = 0;
                }
            }
        }

        private void descend() {
            level++;
            descend();
        }
    }
}
