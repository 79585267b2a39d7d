package dev.kosh.hal;

import java.util.List;

/**
 * Every way a HAL operation can fail. Each case carries what a person needs to act on
 * it: the file, the line, the mechanism and the reason the host gave.
 */
public sealed interface HalError {

    /** A one-line description, for the boot log and the journal. */
    String message();

    /** The host does not offer {@code mechanism}; {@code reason} says why (e.g. "no /dev/mem"). */
    record Unavailable(Mechanism mechanism, String reason) implements HalError {
        public String message() {
            return mechanism.displayName() + " unavailable: " + reason;
        }
    }

    /** A host file did not parse. {@code line} is 1-based, or 0 when the file as a whole is wrong. */
    record Malformed(String source, int line, String detail) implements HalError {
        public String message() {
            return source + (line > 0 ? ":" + line : "") + ": malformed: " + detail;
        }
    }

    /** The thing asked for does not exist (a device, a BAR, a file the format requires). */
    record NotFound(String what) implements HalError {
        public String message() {
            return "not found: " + what;
        }
    }

    /** The host refused access to {@code path}. */
    record AccessDenied(String path, String detail) implements HalError {
        public String message() {
            return "access denied: " + path + ": " + detail;
        }
    }

    /** An I/O operation on {@code path} failed for a reason other than absence or permission. */
    record IoFailure(String path, String detail) implements HalError {
        public String message() {
            return "I/O failure: " + path + ": " + detail;
        }
    }

    /** The caller passed an argument the operation rejects before doing anything. */
    record InvalidArgument(String argument, String detail) implements HalError {
        public String message() {
            return "invalid argument " + argument + ": " + detail;
        }
    }

    /** A system call returned an error number. */
    record SyscallFailed(String call, int errno, String detail) implements HalError {
        public String message() {
            return call + " failed: errno " + errno + (detail.isEmpty() ? "" : " (" + detail + ")");
        }
    }

    /** No registered provider supports the running host. */
    record NoPlatform(String osName, String osArch, List<String> providers) implements HalError {
        public NoPlatform {
            providers = List.copyOf(providers);
        }

        public String message() {
            return "no HAL provider for os.name=" + osName + " os.arch=" + osArch
                    + (providers.isEmpty() ? " (no providers are registered: is a hal-* jar on the class path?)"
                            : " (registered: " + String.join(", ", providers) + ")");
        }
    }
}
