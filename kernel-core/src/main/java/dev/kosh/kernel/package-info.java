/**
 * The kernel core: kernel space, on the framework's class path, never visible to bundles.
 *
 * <p>In here: the process table and process lifecycle ({@code process}), the boot sequence
 * ({@code boot}), {@code config/system.conf} ({@code config}), init, PID 1 ({@code init}), and the
 * kernel journal ({@code journal}). The process API itself is {@code dev.kosh.api}.
 *
 * <p>Not in here: threads and CPU accounting (module {@code scheduler}, behind
 * {@link dev.kosh.kernel.process.ThreadHost}), IPC ({@code ipc}), physical memory ({@code memory}),
 * drivers ({@code driver-framework}), OSGi ({@code launcher} loads programs from bundles behind
 * {@link dev.kosh.kernel.process.ProgramLoader}). Nothing here depends on OSGi, so every piece is
 * testable without a running framework.
 */
package dev.kosh.kernel;
