package dev.kosh.driver.faults;

/**
 * The driver fault classes of the campaign (issue 6, after MINIX 3's fault-injection experiments).
 * {@code weight} is the share of injections; the expensive classes (each hang costs the driver's
 * deadline, each bomb a quota window's worth of allocation) get less.
 */
enum FaultClass {
    /** handleRequest throws: a RuntimeException of several kinds, or a real stack overflow (an Error). */
    EXCEPTION(30, "exception"),
    /** handleRequest never returns (parks at preemption points until killed). */
    HANG(10, "hang (past deadline)"),
    /** handleRequest answers null, an error code only the kernel may give, or an oversized payload. */
    CORRUPT_REPLY(25, "corrupt / malformed reply"),
    /** handleRequest allocates without bound until the allocation watchdog's hard limit kills it. */
    QUOTA_BOMB(5, "quota bomb (allocation)"),
    /** the next instance's init throws (the fault that triggers the restart is an exception). */
    INIT_CRASH(15, "crash in init"),
    /** the instance is stopped (TERM) and its cleanup throws. */
    CLEANUP_CRASH(15, "crash in cleanup");

    final int weight;
    final String label;

    FaultClass(int weight, String label) {
        this.weight = weight;
        this.label = label;
    }

    /** The class a uniform {@code r} in [0, total weight) falls on. */
    static FaultClass pick(int r) {
        for (FaultClass c : values()) {
            if (r < c.weight) return c;
            r -= c.weight;
        }
        throw new IllegalArgumentException("r past the total weight");
    }

    static int totalWeight() {
        int t = 0;
        for (FaultClass c : values()) t += c.weight;
        return t;
    }
}
