package dev.kosh.kernel.process;

import java.time.Duration;
import java.util.List;

import dev.kosh.api.CapabilityInfo;
import dev.kosh.api.Console;
import dev.kosh.api.Errno;
import dev.kosh.api.ExitStatus;
import dev.kosh.api.Handle;
import dev.kosh.api.KoshException;
import dev.kosh.api.Ipc;
import dev.kosh.api.ProcessContext;
import dev.kosh.api.Rights;
import dev.kosh.api.ObjectType;
import dev.kosh.api.ProcessStatus;
import dev.kosh.api.Right;
import dev.kosh.api.Signal;
import dev.kosh.api.SysResult;
import dev.kosh.api.ThreadStatus;
import dev.kosh.kernel.cap.Capability;
import dev.kosh.kernel.cap.CapabilitySpace;

/**
 * The kernel side of {@link ProcessContext}: each call is a system call of the owning process.
 * Every call first passes the process's checkpoint (kill and stop take effect there), then
 * validates its arguments and capabilities (decode), then acts (invoke).
 */
final class ProcessContextImpl implements ProcessContext {
    private static final int MAX_LOG_LENGTH = 4096;
    private static final int MAX_ARGS = 256;

    private final KoshProcess process;
    private final ProcessTable table;
    private final Console console;

    ProcessContextImpl(KoshProcess process, ProcessTable table) {
        this.process = process;
        this.table = table;
        this.console = process.capabilities().has("console") ? new ProcessConsole() : null;
    }

    @Override
    public int pid() {
        return process.pid();
    }

    @Override
    public int parentPid() {
        return process.parentPid();
    }

    @Override
    public String name() {
        return process.name();
    }

    @Override
    public List<String> args() {
        return process.args();
    }

    @Override
    public Console console() {
        process.checkpoint();
        if (console == null) {
            throw new KoshException(Errno.NO_CAPABILITY, process.label() + " does not hold the console capability");
        }
        return console;
    }

    private final class ProcessConsole implements Console {
        @Override
        public void print(String text) {
            process.checkpoint();
            table.console().write(process.pid(), String.valueOf(text));
        }
    }

    @Override
    public boolean terminationRequested() {
        process.checkpoint();
        return process.terminationRequested();
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
        process.checkpoint();
        if (duration == null || duration.isNegative()) throw new KoshException(Errno.INVALID_ARGUMENT, "sleep needs a duration of zero or more, not " + duration);
        if (process.terminationRequested()) return;
        try (KoshProcess.BlockScope ignored = process.block(BlockReason.SLEEP)) {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            process.checkpoint();
            if (!process.terminationRequested()) throw e;
        }
        process.checkpoint();
    }

    @Override
    public SysResult<Thread> startThread(String name, Runnable body) {
        process.checkpoint();
        if (name == null || name.isBlank() || body == null) {
            return SysResult.err(Errno.INVALID_ARGUMENT, "a thread needs a name and a body");
        }
        return table.startKernelThread(process, name, body);
    }

    @Override
    public SysResult<Integer> spawn(String program, List<String> args) {
        process.checkpoint();
        if (!process.capabilities().has("spawn")) {
            return SysResult.err(Errno.NO_CAPABILITY, process.label() + " does not hold the spawn capability");
        }
        if (program == null || program.isBlank() || args == null || args.size() > MAX_ARGS || hasNull(args)) {
            return SysResult.err(Errno.INVALID_ARGUMENT, "spawn needs a program name and at most " + MAX_ARGS + " non-null arguments");
        }
        // A child never holds more than its parent: the parent's grants bound the child's.
        var request = new ProcessTable.SpawnRequest(program, args, process.pid(), process.capabilities().names(),
                process.priority(), null);
        return switch (table.spawn(request)) {
            case SysResult.Ok<KoshProcess> ok -> SysResult.ok(ok.value().pid());
            case SysResult.Err<KoshProcess> err -> SysResult.err(err.errno(), err.message());
        };
    }

    /** {@code List.contains(null)} throws on immutable lists; a process's list must not throw in here. */
    private static boolean hasNull(List<String> args) {
        for (String a : args) if (a == null) return true;
        return false;
    }

    @Override
    public SysResult<ExitStatus> waitFor(int childPid, Duration timeout) throws InterruptedException {
        process.checkpoint();
        try {
            return table.waitChild(process, childPid, timeout);
        } finally {
            process.checkpoint();
        }
    }

    @Override
    public SysResult<Void> log(String message) {
        process.checkpoint();
        if (!process.capabilities().has("log")) {
            return SysResult.err(Errno.NO_CAPABILITY, process.label() + " does not hold the log capability");
        }
        if (message == null || message.length() > MAX_LOG_LENGTH) {
            return SysResult.err(Errno.INVALID_ARGUMENT, "a log message is 0 to " + MAX_LOG_LENGTH + " characters");
        }
        table.journal().info(process.label(), message);
        return SysResult.ok(null);
    }

    @Override
    public <S> SysResult<Handle> publish(Class<S> type, S service) {
        process.checkpoint();
        if (!process.capabilities().has("publish")) {
            return SysResult.err(Errno.NO_CAPABILITY, process.label() + " does not hold the publish capability");
        }
        if (type == null || service == null || !type.isInterface() || !type.isInstance(service)) {
            return SysResult.err(Errno.INVALID_ARGUMENT, "publish needs an interface and an object implementing it");
        }
        Handle registration;
        try {
            registration = process.image().publish(type, service);
        } catch (RuntimeException e) {
            return SysResult.err(Errno.INVALID_ARGUMENT, "cannot publish " + type.getName() + ": " + e.getMessage());
        }
        return process.hold(registration);
    }

    // ---- capabilities ------------------------------------------------------------------------

    private CapabilitySpace space() {
        return process.capabilityTable().space();
    }

    @Override
    public SysResult<Integer> derive(int handle, Rights rights, long badge) {
        process.checkpoint();
        return space().derive(process.capabilityTable(), handle, rights, badge);
    }

    @Override
    public SysResult<Void> delete(int handle) {
        process.checkpoint();
        return space().delete(process.capabilityTable(), handle);
    }

    @Override
    public SysResult<Integer> revoke(int handle) {
        process.checkpoint();
        return space().revoke(process.capabilityTable(), handle);
    }

    @Override
    public SysResult<CapabilityInfo> identify(int handle) {
        process.checkpoint();
        return space().identify(process.capabilityTable(), handle);
    }

    @Override
    public List<CapabilityInfo> capabilities() {
        process.checkpoint();
        return space().list(process.capabilityTable());
    }

    // ---- process and thread objects --------------------------------------------------------

    @Override
    public int selfHandle() {
        process.checkpoint();
        return process.selfHandle();
    }

    @Override
    public SysResult<Integer> processHandle(int pid) {
        process.checkpoint();
        KoshProcess target = table.get(pid).orElse(null);
        ProcessObject o = target == null ? null : target.object();
        if (o == null) return SysResult.err(Errno.NO_SUCH_PROCESS, "no process " + pid);
        int h = lowestHandle(o);
        return h != 0 ? SysResult.ok(h) : SysResult.err(Errno.NO_CAPABILITY, process.label() + " holds no capability to pid " + pid);
    }

    @Override
    public SysResult<Integer> threadHandle(Thread thread) {
        process.checkpoint();
        ThreadObject o = process.threadObject(thread);
        if (o == null) return SysResult.err(Errno.INVALID_ARGUMENT, "not a live thread of " + process.label());
        int h = lowestHandle(o);
        return h != 0 ? SysResult.ok(h) : SysResult.err(Errno.NO_CAPABILITY, process.label() + " holds no capability to " + o.describe());
    }

    private int lowestHandle(dev.kosh.kernel.cap.KernelObject o) {
        int best = 0;
        for (var e : space().holders(o)) {
            int h = e.getValue().handle();
            if (e.getKey() == process.pid() && (best == 0 || Integer.compareUnsigned(h, best) < 0)) best = h;
        }
        return best;
    }

    @Override
    public SysResult<Void> signal(int processHandle, Signal signal) {
        process.checkpoint();
        Capability any = process.capabilityTable().lookup(processHandle);
        if (any != null && any.object() instanceof ThreadObject) return signalThread(processHandle, signal);
        SysResult<Capability> found = process.capabilityTable().resolve(processHandle, ObjectType.PROCESS, Right.SIGNAL);
        if (!(found instanceof SysResult.Ok<Capability>(Capability c))) return cast(found);
        if (signal == null) return SysResult.err(Errno.INVALID_ARGUMENT, "no signal given");
        if (signal == Signal.SEGV) return SysResult.err(Errno.INVALID_ARGUMENT, "SEGV is raised by the kernel on a fault; it cannot be sent");
        ProcessObject o = (ProcessObject) c.object();
        KoshProcess target = o.process();
        if (target == null || target.finished()) return SysResult.err(Errno.DEAD_PEER, o.describe() + " has exited");
        SysResult<Void> sent = table.signal(o.pid(), signal, process.label() + " by handle " + processHandle);
        if (sent instanceof SysResult.Err<Void> e && e.errno() == Errno.NO_SUCH_PROCESS) return SysResult.err(Errno.DEAD_PEER, e.message());
        return sent;
    }

    /**
     * A signal to one thread by its capability (like {@code pthread_kill}/{@code pthread_cancel}):
     * KILL unwinds that thread at its next checkpoint, STOP holds it there until CONT. Other signals
     * are about the whole process: INVALID_ARGUMENT. Killing a thread of init is refused as killing
     * init is; killing the calling thread takes effect before this call returns.
     */
    private SysResult<Void> signalThread(int threadHandle, Signal signal) {
        SysResult<Capability> found = process.capabilityTable().resolve(threadHandle, ObjectType.THREAD, Right.SIGNAL);
        if (!(found instanceof SysResult.Ok<Capability>(Capability c))) return cast(found);
        SysResult<Void> sent = table.signalThread((ThreadObject) c.object(), signal, process.label() + " by handle " + threadHandle);
        if (sent.isOk() && signal == Signal.KILL) process.checkpoint(); // a thread killing itself unwinds now
        return sent;
    }

    @Override
    public SysResult<ExitStatus> await(int processHandle, Duration timeout) throws InterruptedException {
        process.checkpoint();
        SysResult<Capability> found = process.capabilityTable().resolve(processHandle, ObjectType.PROCESS, Right.WAIT);
        if (!(found instanceof SysResult.Ok<Capability>(Capability c))) return cast(found);
        if (timeout == null || timeout.isNegative()) return SysResult.err(Errno.INVALID_ARGUMENT, "timeout must be zero or positive");
        ProcessObject o = (ProcessObject) c.object();
        if (o.pid() == process.pid()) return SysResult.err(Errno.INVALID_ARGUMENT, "a process cannot wait for itself");
        KoshProcess target = o.process();
        if (target == null) return SysResult.err(Errno.DEAD_PEER, o.describe() + " has been reaped");
        SysResult<ExitStatus> r;
        try (KoshProcess.BlockScope ignored = process.block(BlockReason.WAIT_CHILD)) {
            r = o.waiters.await(c, target.exitFuture(), timeout, o.describe() + " to exit");
        } finally {
            process.checkpoint();
        }
        // The parent's wait reaps, as waitFor does (a concurrent waitFor may have reaped it first: same status).
        if (r.isOk() && target.parentPid() == process.pid()) table.reap(process.pid(), o.pid());
        return r;
    }

    @Override
    public SysResult<ProcessStatus> processStatus(int processHandle) {
        process.checkpoint();
        SysResult<Capability> found = process.capabilityTable().resolve(processHandle, ObjectType.PROCESS, Right.READ);
        if (!(found instanceof SysResult.Ok<Capability>(Capability c))) return cast(found);
        ProcessObject o = (ProcessObject) c.object();
        KoshProcess p = o.process();
        if (p == null) return SysResult.err(Errno.DEAD_PEER, o.describe() + " has been reaped");
        return SysResult.ok(new ProcessStatus(p.pid(), p.parentPid(), p.name(), p.state().label(), p.threadCount(), p.cpuTime(),
                p.exitFuture().getNow(null)));
    }

    @Override
    public SysResult<ThreadStatus> threadStatus(int threadHandle) {
        process.checkpoint();
        SysResult<Capability> found = process.capabilityTable().resolve(threadHandle, ObjectType.THREAD, Right.READ);
        if (!(found instanceof SysResult.Ok<Capability>(Capability c))) return cast(found);
        ThreadObject o = (ThreadObject) c.object();
        Thread t = o.thread();
        KoshProcess owner = table.get(o.pid()).orElse(null);
        if (t == null || owner == null) return SysResult.err(Errno.DEAD_PEER, o.describe() + " has ended");
        return SysResult.ok(new ThreadStatus(o.name(), o.pid(), owner.threadState(t)));
    }

    @Override
    public SysResult<Void> join(int threadHandle, Duration timeout) throws InterruptedException {
        process.checkpoint();
        SysResult<Capability> found = process.capabilityTable().resolve(threadHandle, ObjectType.THREAD, Right.WAIT);
        if (!(found instanceof SysResult.Ok<Capability>(Capability c))) return cast(found);
        if (timeout == null || timeout.isNegative()) return SysResult.err(Errno.INVALID_ARGUMENT, "timeout must be zero or positive");
        ThreadObject o = (ThreadObject) c.object();
        if (o.thread() == Thread.currentThread()) return SysResult.err(Errno.INVALID_ARGUMENT, "a thread cannot join itself");
        SysResult<Boolean> r;
        try (KoshProcess.BlockScope ignored = process.block(BlockReason.WAIT)) {
            r = o.waiters.await(c, o.ended, timeout, o.describe() + " to end");
        } finally {
            process.checkpoint();
        }
        return r.isOk() ? SysResult.ok(null) : cast(r);
    }

    @SuppressWarnings("unchecked")
    private static <T> SysResult<T> cast(SysResult<?> err) {
        SysResult.Err<?> e = (SysResult.Err<?>) err;
        return SysResult.err(e.errno(), e.message());
    }

    private volatile Ipc ipc;

    @Override
    public Ipc ipc() {
        process.checkpoint();
        Ipc i = ipc;
        if (i == null) {
            IpcService service = table.ipc();
            if (service == null) return UnavailableIpc.INSTANCE; // not cached: the service may be installed later
            synchronized (this) {
                i = ipc;
                if (i == null) ipc = i = service.open(process);
            }
        }
        return i;
    }

    private volatile dev.kosh.api.Memory memory;

    @Override
    public dev.kosh.api.Memory memory() {
        process.checkpoint();
        dev.kosh.api.Memory m = memory;
        if (m == null) {
            MemoryService service = table.memory();
            if (service == null) return UnavailableMemory.INSTANCE; // not cached: installed at boot, maybe later
            synchronized (this) {
                m = memory;
                if (m == null) memory = m = service.open(process);
            }
        }
        return m;
    }

    @Override
    public void checkpoint() {
        process.checkpoint();
    }
}
