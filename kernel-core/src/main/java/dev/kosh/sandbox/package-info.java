/**
 * The sandbox runtime: what woven process code calls. Exported to every bundle as the system
 * package {@code dev.kosh.sandbox;version=1.0.0}, and imported dynamically by woven bundles only.
 *
 * <p>In here: {@link dev.kosh.sandbox.Checkpoint} (preemption points and the kill rethrow inserted
 * at exception handlers), {@link dev.kosh.sandbox.Guard} (run-time checks in front of reflective
 * entry points), {@link dev.kosh.sandbox.Killed} (the error that unwinds a killed thread) and
 * {@link dev.kosh.sandbox.SandboxHooks} (how the kernel plugs in, once, at boot).
 *
 * <p>Not in here: the deny list, the verifier and the weaver (kernel-internal,
 * {@code dev.kosh.kernel.isolation}), and any process or scheduler logic (behind the hooks).
 * This package depends only on {@code java.*}. Process code may not name it: the verifier refuses
 * any class whose own bytes reference {@code dev.kosh.sandbox}; only the weaver inserts calls here.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
@org.osgi.annotation.bundle.Export
package dev.kosh.sandbox;
