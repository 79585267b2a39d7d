package dev.kosh.kernel.init;

import java.util.Locale;

/** A service as init sees it. {@code pid} is 0 when it has no process. */
public record ServiceStatus(String name, State state, int pid, int restarts, String lastExit) {

    public enum State {
        /** Not started yet (waiting for its turn at boot, or for a restart). */
        WAITING,
        RUNNING,
        /** Ended and not to be restarted by its policy. */
        EXITED,
        /** Could not start, or restarted too often. */
        FAILED,
        /** Stopped at shutdown. */
        STOPPED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
