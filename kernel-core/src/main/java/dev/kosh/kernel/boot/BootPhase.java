package dev.kosh.kernel.boot;

/**
 * One step of the boot. {@link #start()} brings its subsystem up and returns a short detail for
 * the boot line ("256 MiB, 65536 frames"), or throws with the reason it could not.
 */
public interface BootPhase {
    String name();

    /** An essential phase that fails stops the boot; others are reported and skipped. */
    boolean essential();

    String start() throws Exception;

    static BootPhase of(String name, boolean essential, PhaseBody body) {
        return new BootPhase() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public boolean essential() {
                return essential;
            }

            @Override
            public String start() throws Exception {
                return body.start();
            }
        };
    }

    @FunctionalInterface
    interface PhaseBody {
        String start() throws Exception;
    }
}
