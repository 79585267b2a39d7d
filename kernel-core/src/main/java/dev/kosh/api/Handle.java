package dev.kosh.api;

/** Something a process holds from the kernel. Closing it gives it back; the kernel closes what is left when the process ends. */
public interface Handle extends AutoCloseable {
    @Override
    void close();
}
