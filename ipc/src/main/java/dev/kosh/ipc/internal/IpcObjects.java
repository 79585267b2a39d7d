package dev.kosh.ipc.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import dev.kosh.kernel.cap.KernelObject;

/** The live IPC objects of one kernel, for {@code ipcstat} and the metrics. Any thread. */
public final class IpcObjects {
    private final ConcurrentHashMap<Long, KernelObject> live = new ConcurrentHashMap<>();

    public void addLive(KernelObject o) {
        live.put(o.id(), o);
    }

    void remove(KernelObject o) {
        live.remove(o.id(), o);
    }

    /** A snapshot in id order. */
    public List<KernelObject> snapshot() {
        List<KernelObject> out = new ArrayList<>(live.values());
        out.sort(Comparator.comparingLong(KernelObject::id));
        return out;
    }

    public int size() {
        return live.size();
    }
}
