package dev.kosh.ipc.internal;

import java.util.concurrent.atomic.AtomicLong;

import dev.kosh.api.ObjectType;
import dev.kosh.kernel.cap.Capability;
import dev.kosh.kernel.cap.EndReason;
import dev.kosh.kernel.cap.KernelObject;

/** A word of asynchronous bits: signal ORs bits in, wait takes and clears them all (as seL4's notification). */
public final class NotificationObject extends KernelObject {
    final AtomicLong word = new AtomicLong();
    final Waiters waiters = new Waiters();
    private final IpcObjects registry;

    NotificationObject(IpcObjects registry) {
        super(ObjectType.NOTIFICATION);
        this.registry = registry;
    }

    /** ORs bits in and wakes the waiters. Any thread (the kernel's signal delivery too). */
    public void signal(long bits) {
        word.getAndAccumulate(bits, (a, b) -> a | b); // volatile read-modify-write
        waiters.wakeAll();
    }

    public long pending() {
        return word.get();
    }

    @Override
    protected void capabilityRemoved(Capability c, EndReason reason) {
        waiters.wakeAll();
    }

    @Override
    protected void destroyed() {
        registry.remove(this);
    }

    @Override
    public String describe() {
        return "notification#" + id() + (word.get() != 0 ? " (pending " + Long.toHexString(word.get()) + ")" : "");
    }
}
