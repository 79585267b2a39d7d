package dev.kosh.kernel.isolation;

import dev.kosh.sandbox.SandboxHooks;

/**
 * The half of {@link SandboxHooks} that the isolation package owns: the run-time reflection policy,
 * answered from the same {@link DenyPolicy} the verifier uses at load time. The process code
 * extends this with the checkpoint half (what a thread does at a preemption point).
 */
public abstract class PolicyHooks implements SandboxHooks {
    private final DenyPolicy policy;

    protected PolicyHooks(DenyPolicy policy) {
        this.policy = policy;
    }

    @Override
    public String denialForClass(String binaryName) {
        return policy.denialForClass(binaryName);
    }

    @Override
    public String denialForMember(Class<?> owner, String name, String descriptor) {
        return policy.denialForMember(owner, name, descriptor);
    }
}
