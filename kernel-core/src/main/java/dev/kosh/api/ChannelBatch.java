package dev.kosh.api;

import java.util.List;

/**
 * What one {@link Ipc#receiveData} took from a channel: {@code count} messages whose data is in the
 * caller's array at {@code [0, count)}, all from one run, that is with the same sender pid, badge
 * (of the SEND capability the sender used), type and label. A message that carried capabilities
 * is always a batch of one, and {@code handles} are those capabilities, already installed in the
 * receiver's table (empty otherwise).
 */
public record ChannelBatch(int count, int sender, long badge, MessageType type, int label, List<Integer> handles) {
    public ChannelBatch {
        handles = handles == null ? List.of() : List.copyOf(handles);
    }
}
