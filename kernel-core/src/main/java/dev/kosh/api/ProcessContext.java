package dev.kosh.api;

import java.time.Duration;
import java.util.List;

/**
 * Everything a process may use, handed to {@link Program#main}. There is no ambient authority:
 * what is not reachable from here (or from objects obtained here) the process does not have.
 *
 * <p>Every method may be called from any thread of the owning process. Calls that need a
 * capability return {@link Errno#NO_CAPABILITY} (or throw {@link KoshException} for the
 * accessors that return a capability object) when the process was not granted it.
 */
public interface ProcessContext {

    /** This process's id. */
    int pid();

    /** The id of the parent process (1 once the parent has exited: init adopts orphans). */
    int parentPid();

    /** The program name the process was started under (its bundle's symbolic name, or a service name). */
    String name();

    /** The arguments, as given to {@code run} or in {@code config/system.conf}. */
    List<String> args();

    /** The console, if the process holds the {@code console} capability. */
    Console console();

    /**
     * True once the kernel asked the process to terminate (signal TERM, INT or HUP, or system
     * shutdown). A well-behaved program returns from {@code main} soon after; the kernel kills
     * it after a grace period otherwise.
     */
    boolean terminationRequested();

    /** Sleeps, counted as Blocked(sleep) in the process table. Returns early on termination. */
    void sleep(Duration duration) throws InterruptedException;

    /**
     * Starts another thread of this process. The kernel creates it, accounts its CPU time to this
     * process and ends it when the process ends. Fails with {@link Errno#QUOTA_EXCEEDED} past the
     * process's thread quota.
     */
    SysResult<Thread> startThread(String name, Runnable body);

    /** Starts a child process running the program {@code program} (needs the {@code spawn} capability). */
    SysResult<Integer> spawn(String program, List<String> args);

    /**
     * Waits for a child to exit and reaps it (its zombie leaves the process table).
     * {@link Errno#NOT_A_CHILD} if {@code childPid} is not a child of this process.
     */
    SysResult<ExitStatus> waitFor(int childPid, Duration timeout) throws InterruptedException;

    /** Writes a line to the kernel journal, tagged with this process (needs the {@code log} capability). */
    SysResult<Void> log(String message);

    /**
     * Publishes a service object under an interface. The kernel withdraws it when the process ends.
     * (Inter-process calls go through kernel IPC; this is how a process offers its endpoint.)
     */
    <S> SysResult<Handle> publish(Class<S> type, S service);

    // ---- capabilities: handles into this process's capability table (docs/capabilities.md) ----

    /**
     * A new capability to the same object in this table, with {@code rights} (a subset of the
     * original's) and {@code badge} ({@code 0} keeps the original's; a badged capability cannot be
     * re-badged). Errors: INVALID_HANDLE, REVOKED, INVALID_ARGUMENT (rights not a subset, re-badge,
     * a reply capability), QUOTA_EXCEEDED.
     */
    SysResult<Integer> derive(int handle, Rights rights, long badge);

    /** Deletes a capability from this table (what was derived from it stays). Errors: INVALID_HANDLE. */
    SysResult<Void> delete(int handle);

    /**
     * Deletes every capability derived from this one, transitively, in every process (the handle
     * itself stays). Blocked calls using a revoked capability fail with REVOKED at once. Answers the
     * number of capabilities deleted. Errors: INVALID_HANDLE.
     */
    SysResult<Integer> revoke(int handle);

    /** What a handle names. Errors: INVALID_HANDLE, REVOKED, DEAD_PEER (its object was destroyed). */
    SysResult<CapabilityInfo> identify(int handle);

    /** Every capability in this process's table, in handle order. */
    java.util.List<CapabilityInfo> capabilities();

    // ---- process and thread objects: handles to processes and threads (docs/capabilities.md) ----

    /**
     * The handle of this process's capability to itself (SIGNAL WAIT READ GRANT), made at spawn. It
     * can be derived and sent like any capability (a supervisor given it can stop or kill this
     * process). {@code 0} if the kernel could not make one.
     */
    int selfHandle();

    /**
     * The lowest handle in this table naming process {@code pid} (a child's, which the kernel gives
     * the parent at spawn, or one received in a message). This only finds what the table already
     * holds. Errors: NO_SUCH_PROCESS (no such process, or reaped), NO_CAPABILITY (none held).
     */
    SysResult<Integer> processHandle(int pid);

    /**
     * The handle naming one of this process's live threads (the kernel gives the process one for
     * each thread it starts, main included). Errors: INVALID_ARGUMENT (not a live thread of this
     * process), NO_CAPABILITY (its capability was deleted or sent away).
     */
    SysResult<Integer> threadHandle(Thread thread);

    /**
     * Sends {@code signal} to the process a handle names (KILL, STOP, CONT, TERM...). Needs SIGNAL.
     * Errors: INVALID_HANDLE (and REVOKED, DEAD_PEER for an ended handle), WRONG_TYPE,
     * MISSING_RIGHT, INVALID_ARGUMENT (null signal; init asked to exit), DEAD_PEER (it has exited).
     */
    SysResult<Void> signal(int processHandle, Signal signal);

    /**
     * Waits for the process a handle names to exit and answers its exit status; the parent's wait
     * also reaps it (its handle then ends: DEAD_PEER). Needs WAIT. Errors: as {@link #signal},
     * INVALID_ARGUMENT (null or negative timeout, waiting for itself), TIMEOUT, DEAD_PEER (reaped),
     * REVOKED (revoked while waiting). Throws InterruptedException as {@link #waitFor} does.
     */
    SysResult<ExitStatus> await(int processHandle, Duration timeout) throws InterruptedException;

    /** The status of the process a handle names. Needs READ. Errors: as {@link #signal}; DEAD_PEER once reaped. */
    SysResult<ProcessStatus> processStatus(int processHandle);

    /**
     * The status of the thread a handle names. Needs READ. Errors: INVALID_HANDLE (and ended-handle
     * errors), WRONG_TYPE, MISSING_RIGHT, DEAD_PEER (the thread has ended: its capability ends with it).
     */
    SysResult<ThreadStatus> threadStatus(int threadHandle);

    /**
     * Waits for the thread a handle names to end. Needs WAIT. Ok if it ends while or before this
     * waits; DEAD_PEER if it had ended before the call (its capability ended with it). Errors as
     * {@link #threadStatus}, INVALID_ARGUMENT (bad timeout, joining itself), TIMEOUT, REVOKED.
     */
    SysResult<Void> join(int threadHandle, Duration timeout) throws InterruptedException;

    /** The IPC system calls: endpoints, channels, notifications, shared memory, typed protocols. */
    Ipc ipc();

    /**
     * The system calls on this process's own address space: map, unmap, protect, brk, read,
     * write, views (docs/memory.md). A kernel without virtual memory answers UNAVAILABLE.
     */
    default Memory memory() {
        throw new KoshException(Errno.UNAVAILABLE, "this kernel has no virtual memory");
    }

    /**
     * Kernel entry point the process may call in long computations: it is where stop, continue and
     * kill take effect for code that makes no other kernel call.
     */
    void checkpoint();
}
