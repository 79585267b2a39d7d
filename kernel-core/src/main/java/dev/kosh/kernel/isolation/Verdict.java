package dev.kosh.kernel.isolation;

import java.util.List;

/** The result of verifying one class: every way verification ends. */
public sealed interface Verdict {

    /** No rule refuses the class. */
    record Accepted(String className) implements Verdict {}

    /**
     * The class uses ambient authority (or cannot be read); it must not be defined.
     *
     * @param process the bundle or process the class belongs to, for messages
     */
    record Refused(String process, String className, List<Violation> violations) implements Verdict {
        public Refused {
            violations = List.copyOf(violations);
        }

        /** A multi-line message for the journal and the installer: the class, then one violation a line. */
        public String message() {
            StringBuilder b = new StringBuilder(process).append(": class ").append(className)
                    .append(" refused (").append(violations.size()).append(violations.size() == 1 ? " violation)" : " violations)");
            for (Violation v : violations) b.append("\n  ").append(v);
            return b.toString();
        }
    }
}
