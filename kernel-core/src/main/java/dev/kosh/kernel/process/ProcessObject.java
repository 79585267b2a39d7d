package dev.kosh.kernel.process;

import dev.kosh.api.ObjectType;
import dev.kosh.kernel.cap.Capability;
import dev.kosh.kernel.cap.EndReason;
import dev.kosh.kernel.cap.KernelObject;

/**
 * A process as a kernel object: what a process capability names. Each process has one; the
 * process holds a capability to it (itself) and so does its parent (its child). SIGNAL sends it
 * signals (kill, stop, continue), WAIT waits for its exit (and reaps it, for its parent), READ
 * reads its status.
 *
 * <p>It refers to its process until the process is reaped; then the kernel destroys it (every
 * capability to it ends with reason OBJECT_DESTROYED, so a later use answers DEAD_PEER) and forgets
 * the process, so a capability kept somewhere never keeps a reaped program's classes alive.
 */
final class ProcessObject extends KernelObject {
    private final int pid;
    private final String name;
    private volatile KoshProcess process;
    final HandleWait waiters = new HandleWait();

    ProcessObject(KoshProcess process) {
        super(ObjectType.PROCESS);
        this.process = process;
        this.pid = process.pid();
        this.name = process.name();
        process.exitFuture().whenComplete((status, never) -> waiters.wakeAll());
    }

    /** The process, or null once it was reaped. */
    KoshProcess process() {
        return process;
    }

    int pid() {
        return pid;
    }

    /** The process left the table: nobody reaches it through this object any more. */
    void reaped() {
        process = null;
        waiters.wakeAll();
    }

    @Override
    protected void capabilityRemoved(Capability capability, EndReason reason) {
        waiters.wake(capability);
    }

    @Override
    public String describe() {
        return "pid " + pid + " " + name;
    }
}
