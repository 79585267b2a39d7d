package dev.kosh.examples.kv;

/**
 * The key-value service's protocol. The server implements it and serves it with
 * {@code ctx.ipc().serve(KeyValue.class, impl, endpoint)}; a client looks the service up
 * ({@code ctx.ipc().lookup(NAME)}, which needs the grant {@code service:kv}) and calls it through
 * {@code ctx.ipc().connect(KeyValue.class, handle, timeout)}. Each method is one IPC call; a
 * failure (the server gone: {@code DEAD_PEER}, a timeout...) is thrown in the client as
 * {@code dev.kosh.api.KoshException} with its errno.
 */
public interface KeyValue {
    /** The name the service registers under. */
    String NAME = "kv";

    /** Stores {@code value} under {@code key}; answers the value it replaced, or null. */
    String put(String key, String value);

    /** The value under {@code key}, or null. */
    String get(String key);

    /** Removes {@code key}; true if it was there. */
    boolean delete(String key);

    /** How many keys are stored. */
    int size();

    /** Answers {@code text} after holding the call for {@code millis} (shows what a caller sees when the server dies mid-call). */
    String slowEcho(String text, long millis);
}
