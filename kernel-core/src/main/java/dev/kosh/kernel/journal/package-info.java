/**
 * The kernel journal: an append-only Chronicle Queue of what the kernel did (boot phases, process
 * lifecycle, deploys, faults), each entry stamped with the boot it belongs to. Written
 * synchronously, so a crash of the whole JVM loses nothing that was appended.
 */
package dev.kosh.kernel.journal;
