package dev.kosh.kernel.process;

import dev.kosh.api.SysResult;

/** Finds programs by name. Implemented by the launcher over the OSGi framework's bundles. */
@FunctionalInterface
public interface ProgramLoader {

    /** {@code NO_SUCH_PROGRAM} when nothing of that name is installed or it has no main. */
    SysResult<ProgramImage> find(String name);
}
