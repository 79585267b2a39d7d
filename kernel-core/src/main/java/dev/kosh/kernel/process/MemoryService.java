package dev.kosh.kernel.process;

import dev.kosh.api.Memory;

/**
 * The memory system calls, implemented where the processes' address spaces live (the launcher's
 * process memory, over the {@code memory} module, which kernel-core does not depend on). Installed
 * at boot with {@link ProcessTable#installMemory(MemoryService)}; each process's
 * {@code ctx.memory()} is then {@code open(process)}, made once per process on first use.
 */
@FunctionalInterface
public interface MemoryService {

    /** The memory system calls of {@code process}, on its own address space. */
    Memory open(KoshProcess process);
}
