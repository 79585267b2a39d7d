package dev.kosh.memory;

/** How the swap file is read and written ({@link VmConfig#withSwapBackend}). */
public enum SwapBackend {
    /** {@code FileChannel} positional reads and writes (through a heap-independent ByteBuffer view of the frame). */
    FILE_CHANNEL,
    /**
     * io_uring READ/WRITE straight from and into the frame (the HAL's {@code IoUring} on a raw
     * descriptor); creating the VM fails if the host has no io_uring.
     */
    IO_URING,
    /** io_uring when the host has it, else FileChannel; {@link VirtualMemory#swapDevice()} says which and why. */
    AUTO
}
