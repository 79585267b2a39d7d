package dev.kosh.driver;

import dev.kosh.driver.api.DriverError;
import dev.kosh.driver.api.DriverResponse;

/**
 * What makes a driver's response malformed, checked before the response reaches its caller: no
 * response at all, an error code only the kernel may give (the driver cannot say it timed out, is
 * not running, or was restarted: callers act on those), or a payload past the protocol's size
 * limit. A malformed response is a driver fault, as a throw is.
 */
final class ResponseCheck {
    /** The largest payload a driver may answer with (a block driver's biggest transfer, with room). */
    static final int MAX_PAYLOAD = 16 << 20;

    private ResponseCheck() {
    }

    /** Why {@code response} is malformed, or null if it is well formed. */
    static String malformed(DriverResponse response) {
        return switch (response) {
            case null -> "no response";
            case DriverResponse.Failed f when kernelOnly(f.error().code()) ->
                    "error code " + f.error().code() + " is the kernel's to give, not a driver's";
            case DriverResponse.Failed f -> null;
            case DriverResponse.Ok ok when ok.payloadLength() > MAX_PAYLOAD ->
                    "payload of " + ok.payloadLength() + " bytes is over the limit of " + MAX_PAYLOAD;
            case DriverResponse.Ok ok -> null;
        };
    }

    private static boolean kernelOnly(DriverError.Code code) {
        return code == DriverError.Code.TIMEOUT || code == DriverError.Code.UNAVAILABLE || code == DriverError.Code.RESTARTED;
    }
}
