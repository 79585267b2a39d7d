package dev.kosh.api;

import java.util.List;

/**
 * A message as its receiver sees it. {@code data} is deeply immutable (the kernel copied or checked
 * it on send, see {@link Outgoing}); {@code handles} are capabilities the message carried, already
 * installed in the receiver's table. {@code badge} is the badge of the capability the sender used
 * (the server's way to tell clients apart); {@code replyHandle} is the one-shot reply capability of
 * a call, or {@code 0} when no reply is expected.
 */
public record Message(int sender, int receiver, MessageType type, int label, Object data, List<Integer> handles,
                      long badge, int replyHandle) {
    public Message {
        handles = handles == null ? List.of() : List.copyOf(handles);
    }
}
