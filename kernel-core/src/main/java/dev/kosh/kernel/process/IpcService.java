package dev.kosh.kernel.process;

import dev.kosh.api.Ipc;

/**
 * The IPC system calls, implemented by the {@code ipc} module (which depends on kernel-core, not
 * the other way round). The launcher installs one at boot with
 * {@link ProcessTable#installIpc(IpcService)}; each process's {@code ctx.ipc()} is then
 * {@code open(process)}, made once per process on first use.
 */
@FunctionalInterface
public interface IpcService {

    /** The IPC system calls of {@code process}: checked against its capability table, accounted to it. */
    Ipc open(KoshProcess process);
}
