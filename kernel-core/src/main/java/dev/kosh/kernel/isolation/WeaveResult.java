package dev.kosh.kernel.isolation;

import java.util.List;

/** How weaving one class ends. Switch over it exhaustively. */
public sealed interface WeaveResult {

    /** The class needs nothing woven (no method has code); define the original bytes. */
    record Unchanged(String className) implements WeaveResult {}

    /**
     * The woven class file, to define instead of the original.
     *
     * @param importedPackages packages the woven code now references and the bundle must import
     *                         dynamically ({@code dev.kosh.sandbox})
     */
    record Woven(String className, byte[] bytes, WeaveStats stats, List<String> importedPackages) implements WeaveResult {
        public Woven {
            importedPackages = List.copyOf(importedPackages);
        }
    }

    /** The verifier refused the class: do not define it. */
    record Refused(Verdict.Refused verdict) implements WeaveResult {}

    /**
     * The class was accepted but could not be woven (e.g. a supertype needed for stack maps could
     * not be resolved); do not define it: unwoven code could not be preempted or killed.
     */
    record Failed(String process, String className, String reason) implements WeaveResult {}
}
