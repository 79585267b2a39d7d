/**
 * Kernel IPC: {@link dev.kosh.ipc.IpcKernel} (the IPC system calls of every process, installed in
 * the process table at boot), {@link dev.kosh.ipc.IpcMetrics}, and {@link dev.kosh.ipc.MpscChannel}
 * (the kernel's own bounded queue, used by the console and the driver manager). The objects —
 * endpoints with one-shot reply capabilities, channels, notifications, shared-memory regions —
 * the service directory and the typed-protocol stub and dispatcher are in
 * {@code dev.kosh.ipc.internal}. See docs/ipc.md.
 *
 * <p>Not in here: capabilities and their derivation tree ({@code dev.kosh.kernel.cap}), the
 * process-facing API ({@code dev.kosh.api.Ipc}).
 */
package dev.kosh.ipc;
