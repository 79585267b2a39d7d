/**
 * Processes: the process control block ({@link dev.kosh.kernel.process.KoshProcess}), the process
 * table (pids, parent and child, zombies, reaping, orphans adopted by init), signals, and the
 * {@link dev.kosh.api.ProcessContext} a program receives.
 *
 * <p>Not in here: where a program comes from ({@link dev.kosh.kernel.process.ProgramLoader}, the
 * launcher's OSGi loader) and how its threads are made and accounted
 * ({@link dev.kosh.kernel.process.ThreadHost}, the scheduler module).
 */
package dev.kosh.kernel.process;
