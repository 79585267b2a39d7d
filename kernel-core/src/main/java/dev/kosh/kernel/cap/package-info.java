/**
 * Capabilities: kernel objects reached only through handles.
 *
 * <p>In here: {@link dev.kosh.kernel.cap.KernelObject} (the base of every object a capability can
 * name), {@link dev.kosh.kernel.cap.Capability} (object + rights + badge, a node of the derivation
 * tree), {@link dev.kosh.kernel.cap.CapabilityTable} (one per process: handles to capabilities) and
 * {@link dev.kosh.kernel.cap.CapabilitySpace} (every table of one kernel, the derivation tree, and
 * the operations derive, delete, revoke, transfer, release).
 *
 * <p>Not in here: the objects themselves (endpoints, channels, notifications and shared memory live
 * in the {@code ipc} module), the system calls that use them ({@code dev.kosh.api.Ipc}), and the
 * named grants of {@code Kosh-Capabilities} ({@code console}, {@code log}, {@code spawn},
 * {@code publish}, {@code service:NAME}: {@link dev.kosh.kernel.process.CapabilitySet}).
 *
 * <p>Locking: one lock per space guards the tree and every table's slots; lookups read the slots
 * without it. See {@link dev.kosh.kernel.cap.CapabilitySpace}.
 */
package dev.kosh.kernel.cap;
