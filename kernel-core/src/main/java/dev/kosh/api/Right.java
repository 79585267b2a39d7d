package dev.kosh.api;

/**
 * One right a capability may carry. Which rights mean something depends on the object type
 * (docs/capabilities.md has the table); a right an object type does not use is simply never
 * checked.
 */
public enum Right {
    /** Read: map a shared-memory region; read the status of a process or a thread. */
    READ('r'),
    /** Write: map a shared-memory region writable. */
    WRITE('w'),
    /** Grant: the capability may leave the process (copied or moved in a message, or registered). */
    GRANT('g'),
    /** Call: send a request on an endpoint and wait for its reply. */
    CALL('c'),
    /** Receive: take requests from an endpoint, or messages from a channel. */
    RECEIVE('v'),
    /** Reply: answer a call (the one-shot reply capability). */
    REPLY('y'),
    /** Send: put messages on a channel. */
    SEND('s'),
    /** Signal: set bits on a notification; send a signal to a process. */
    SIGNAL('i'),
    /** Wait: wait for bits on a notification; wait for a process to exit; join a thread. */
    WAIT('a');

    private final char letter;

    Right(char letter) {
        this.letter = letter;
    }

    /** The letter {@code caps} shows for this right. */
    public char letter() {
        return letter;
    }

    /** This right's bit in {@link Rights#bits()}. */
    public int bit() {
        return 1 << ordinal();
    }
}
