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
import dev.kosh.api.SysResult;
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
