/**
 * The kernel's meters (Micrometer): boot phase timings, processes by state, CPU time per process,
 * journal size. One registry serves the whole kernel; the launcher exposes it as Prometheus text.
 */
package dev.kosh.kernel.metrics;
