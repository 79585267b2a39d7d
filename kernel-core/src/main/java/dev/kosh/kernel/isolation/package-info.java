/**
 * Process isolation in bytecode: the verifier that refuses classes using ambient authority and the
 * weaver that inserts preemption points, kill rethrows and reflection guards. Kernel-internal; the
 * launcher's {@code WeavingHook} calls {@link dev.kosh.kernel.isolation.ClassWeaver#weave}.
 *
 * <p>In here: {@link dev.kosh.kernel.isolation.DenyPolicy} (the deny list, data in
 * {@code denied.policy}), {@link dev.kosh.kernel.isolation.ClassVerifier},
 * {@link dev.kosh.kernel.isolation.ClassWeaver}, {@link dev.kosh.kernel.isolation.TypeHierarchy}
 * and {@link dev.kosh.kernel.isolation.PolicyHooks}.
 *
 * <p>Not in here: OSGi (the hooks live in the launcher), the run-time side that woven code calls
 * ({@code dev.kosh.sandbox}), and what a checkpoint does for a process (the process code, through
 * {@link dev.kosh.sandbox.SandboxHooks}). Depends only on the JDK and {@code dev.kosh.sandbox}.
 * Design and limits: docs/isolation.md.
 */
package dev.kosh.kernel.isolation;
