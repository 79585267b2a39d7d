package dev.kosh.sandbox;

/** Which poll {@link Checkpoint} chose on this JVM, for test output. */
public final class CheckpointMode {
    private CheckpointMode() {}

    public static String name() {
        return Checkpoint.FOLDED ? "folded call-site" : "volatile-read";
    }
}
