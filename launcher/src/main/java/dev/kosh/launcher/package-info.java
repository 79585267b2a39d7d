/**
 * The launcher: boots Kosh on the host JVM. In here: command-line options, the assembly of the
 * kernel and its boot phases ({@link dev.kosh.launcher.Kernel}), the embedded Equinox framework
 * and the loading of programs from bundles, the shell (Gogo runtime), the deploy folder watcher,
 * the console agent, and the HTTP endpoint (Prometheus metrics, process table, dashboard).
 *
 * <p>Not in here: kernel logic. Each piece here adapts a kernel subsystem to the host (the
 * terminal, the file system, TCP, OSGi).
 */
package dev.kosh.launcher;
