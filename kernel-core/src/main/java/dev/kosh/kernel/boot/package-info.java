/**
 * The boot sequence: phases run in the design's order (memory, scheduler, ipc, driver manager,
 * essential drivers, init, services), each timed and reported as one systemd-style line. What each
 * phase does belongs to its subsystem; this package only orders, times, reports and stops on an
 * essential failure.
 */
package dev.kosh.kernel.boot;
