package dev.kosh.api;

import java.util.ArrayList;
import java.util.List;

/**
 * A message to send: type, a label (an operation code, free for the protocol), data, and the
 * capabilities to pass along.
 *
 * <p>Data must be deeply immutable or copyable: {@code null}, {@code String}, boxed primitives,
 * enums, {@code byte[]} (copied), records whose components are such values (arrays inside records
 * are refused), and {@code List}/{@code Set}/{@code Map} of such values (copied into immutable
 * collections). Anything else is refused with {@link Errno#INVALID_ARGUMENT}: a receiver can never
 * change the sender's state through a message.
 *
 * <p>Each {@link Transfer} names a handle of the sender; with {@code move} the sender loses it when
 * the message is sent. The capability needs {@link Right#GRANT}. A message that is never received
 * (timeout, dead peer, closed channel) deletes the capabilities it carried, as a Unix socket closes
 * the descriptors of an unread message.
 */
public record Outgoing(MessageType type, int label, Object data, List<Transfer> transfers) {
    /** At most this many capabilities per message. */
    public static final int MAX_TRANSFERS = 8;

    public record Transfer(int handle, boolean move) {}

    public Outgoing {
        transfers = transfers == null ? List.of() : java.util.Collections.unmodifiableList(new ArrayList<>(transfers));
    }

    /** A service request with a label and data, carrying no capability. */
    public static Outgoing of(int label, Object data) {
        return new Outgoing(MessageType.SERVICE_REQUEST, label, data, List.of());
    }

    public Outgoing withType(MessageType newType) {
        return new Outgoing(newType, label, data, transfers);
    }

    /** This message, also carrying a copy of {@code handle} (the sender keeps it). */
    public Outgoing copying(int handle) {
        List<Transfer> t = new ArrayList<>(transfers);
        t.add(new Transfer(handle, false));
        return new Outgoing(type, label, data, t);
    }

    /** This message, also carrying {@code handle} itself (the sender loses it). */
    public Outgoing moving(int handle) {
        List<Transfer> t = new ArrayList<>(transfers);
        t.add(new Transfer(handle, true));
        return new Outgoing(type, label, data, t);
    }
}
