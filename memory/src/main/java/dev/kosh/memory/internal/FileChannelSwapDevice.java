package dev.kosh.memory.internal;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A swap file read and written with {@link FileChannel} positional I/O. Not thread-safe (the VM lock). */
final class FileChannelSwapDevice implements SwapDevice {

    private final FileChannel channel;
    private final Path file;
    private final String why;

    private FileChannelSwapDevice(FileChannel channel, Path file, String why) {
        this.channel = channel;
        this.file = file;
        this.why = why;
    }

    /** Creates (or truncates) the file; it is unlinked at once and gone when the channel closes. */
    static FileChannelSwapDevice open(Path file, String why) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.DELETE_ON_CLOSE);
        return new FileChannelSwapDevice(channel, file, why);
    }

    @Override
    public void write(int slot, MemorySegment page) throws IOException {
        ByteBuffer buffer = page.asByteBuffer();
        long position = (long) slot * SLOT_BYTES;
        while (buffer.hasRemaining()) {
            position += channel.write(buffer, position);
        }
    }

    @Override
    public void read(int slot, MemorySegment page) throws IOException {
        ByteBuffer buffer = page.asByteBuffer();
        long position = (long) slot * SLOT_BYTES;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position);
            if (n < 0) {
                throw new IOException("swap slot " + slot + " is past the end of the swap file");
            }
            position += n;
        }
    }

    @Override
    public String describe() {
        return "FileChannel on " + file + (why == null ? "" : " (" + why + ")");
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
