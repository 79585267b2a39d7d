package dev.kosh.kernel.process;

import dev.kosh.kernel.isolation.DenyPolicy;
import dev.kosh.kernel.isolation.PolicyHooks;
import dev.kosh.kernel.journal.Journal;
import dev.kosh.sandbox.Action;
import java.util.List;
import java.util.function.Supplier;

/**
 * What a process thread does at a preemption point of woven code: unwind if its process (or this
 * thread, by its thread capability) was killed, wait if it is stopped, carry on otherwise. The
 * run-time reflection policy comes from {@link PolicyHooks}. Every method but
 * {@link #awaitingCheckpoint} runs on the process thread itself, so the process is found through
 * {@link KoshProcess#current()} without a lookup table.
 */
final class ProcessSandbox extends PolicyHooks {
    private final Journal journal;
    private final Supplier<List<KoshProcess>> live;

    ProcessSandbox(DenyPolicy policy, Journal journal, Supplier<List<KoshProcess>> live) {
        super(policy);
        this.journal = journal;
        this.live = live;
    }

    /**
     * A thread of a killed or stopped process (or one killed or stopped alone, by its thread
     * capability) that is still runnable may be in a recursion that reaches no loop or handler
     * point; one that waits (stopped at a point, blocked in a system
     * call, which a kill interrupts) needs none. Runs on the relink thread, not a process thread.
     */
    @Override
    public boolean awaitingCheckpoint() {
        for (KoshProcess p : live.get()) {
            boolean whole = p.killed() || p.stopped();
            for (Thread t : p.threads()) {
                if (t.getState() != Thread.State.RUNNABLE) continue;
                if (whole) return true;
                // A thread signalled alone (kill or stop by its thread capability) counts the same.
                ThreadObject own = p.signalledThread(t);
                if (own != null && (own.killed() || own.stopped())) return true;
            }
        }
        return false;
    }

    /**
     * A process's {@code printStackTrace()}: into the journal under the process (dmesg shows it),
     * never the kernel's stderr; one entry, its lines joined with " | " as crash entries are.
     */
    @Override
    public void stackTrace(Thread current, String trace) {
        KoshProcess p = KoshProcess.current();
        String text = String.join(" | ", trace.lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
        journal.warn(p == null ? "sandbox" : p.label(), "printStackTrace: " + text);
    }

    @Override
    public Action atCheckpoint(Thread current) {
        KoshProcess p = KoshProcess.current();
        if (p == null) return Action.PROCEED; // a kernel thread running woven code (a class initialiser, say)
        if (p.killed()) return new Action.Kill(new ProcessKilled(p.pid()));
        if (p.stopped()) return Action.STOP;
        // A thread signal (by thread capability) is for this thread only: the others proceed.
        ThreadObject own = p.signalledThread(current);
        if (own != null && own.killed()) return new Action.Kill(new ThreadKilled(p.pid(), own.name()));
        if (own != null && own.stopped()) return Action.STOP;
        return Action.PROCEED;
    }

    @Override
    public void yieldPermit(Thread current) {
        Thread.yield(); // CPU permits come with the scheduler work; until then the host schedules
    }

    @Override
    public void awaitContinue(Thread current) {
        KoshProcess p = KoshProcess.current();
        if (p != null) p.awaitContinue();
    }
}
