package dev.kosh.kernel.process;

import java.util.concurrent.CompletableFuture;

import dev.kosh.api.ObjectType;
import dev.kosh.kernel.cap.Capability;
import dev.kosh.kernel.cap.EndReason;
import dev.kosh.kernel.cap.KernelObject;

/**
 * A thread the kernel created for a process, as a kernel object: READ reads its status, WAIT
 * joins it, SIGNAL kills, stops or continues that one thread (the rest of the process goes on).
 * The process gets a capability to each thread it starts (its main thread included).
 *
 * <p>A thread has no zombie state: when it ends, its waiters are told, and then the object is
 * destroyed (every capability to it ends with OBJECT_DESTROYED: a later use answers DEAD_PEER). So a
 * process that starts many short threads does not fill its capability table with dead ones.
 */
final class ThreadObject extends KernelObject {
    private final int pid;
    private final String name;
    private volatile Thread thread;
    /** Completed (with TRUE) when the thread has ended. */
    final CompletableFuture<Boolean> ended = new CompletableFuture<>();
    final HandleWait waiters = new HandleWait();
    /** Killed by its capability: it unwinds with {@link ThreadKilled} at its next checkpoint. */
    private volatile boolean killed;
    /** Stopped by its capability: it waits at its next checkpoint until CONT (or a kill). */
    private volatile boolean stopped;

    ThreadObject(int pid, String name, Thread thread) {
        super(ObjectType.THREAD);
        this.pid = pid;
        this.name = name;
        this.thread = thread;
    }

    /** The thread, or null once it ended. */
    Thread thread() {
        return thread;
    }

    int pid() {
        return pid;
    }

    String name() {
        return name;
    }

    boolean killed() {
        return killed;
    }

    boolean stopped() {
        return stopped;
    }

    void kill() {
        killed = true;
    }

    void stop(boolean on) {
        stopped = on;
    }

    /** The thread ended: wake its joiners (the caller then destroys the object). */
    void end() {
        thread = null; // a dead Thread may still hold its task: do not keep it reachable from here
        ended.complete(Boolean.TRUE);
        waiters.wakeAll();
    }

    @Override
    protected void capabilityRemoved(Capability capability, EndReason reason) {
        waiters.wake(capability);
    }

    @Override
    public String describe() {
        return "thread " + name + " of pid " + pid;
    }
}
