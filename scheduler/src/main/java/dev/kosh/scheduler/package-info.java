/**
 * The scheduler: the only maker of process threads, and their CPU accounting.
 *
 * <p>In here today: kernel threads for processes (named {@code pid-N/name}, daemon, at a Java
 * priority derived from the process's scheduling class) and per-thread CPU time from the JVM's
 * thread MXBean; the allocation watchdog ({@link dev.kosh.scheduler.AllocationWatchdog}), one
 * kernel thread that holds each process's per-thread allocation counters against its heap quota.
 * Not yet here: CPU permits and the scheduling classes' policies (preemption points already call
 * {@code yieldPermit}, which only yields to the host today), power-aware policies; they belong
 * behind the same {@link dev.kosh.kernel.process.ThreadHost}.
 */
package dev.kosh.scheduler;
