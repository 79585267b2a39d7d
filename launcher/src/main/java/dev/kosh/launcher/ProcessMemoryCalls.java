package dev.kosh.launcher;

import java.util.Objects;
import java.util.Optional;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

import dev.kosh.api.Errno;
import dev.kosh.api.KoshException;
import dev.kosh.api.Memory;
import dev.kosh.api.MemoryUsage;
import dev.kosh.api.MemoryWindow;
import dev.kosh.api.PageProtection;
import dev.kosh.api.SysResult;
import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.memory.Access;
import dev.kosh.memory.AccessKind;
import dev.kosh.memory.CopyResult;
import dev.kosh.memory.MemoryView;
import dev.kosh.memory.Protection;
import dev.kosh.memory.RangeResult;
import dev.kosh.memory.ViewResult;
import dev.kosh.memory.VirtualAddressSpace;

/**
 * The memory system calls of one process ({@code ctx.memory()}), on its own
 * {@link VirtualAddressSpace}: each call passes the process's checkpoint, validates what the space
 * does not (nulls, array bounds, copy sizes), and turns the space's typed refusals and signals into
 * {@link Errno}s. Nothing here throws into the process but a null it passed where a value was due
 * in {@code protection} (answered INVALID_ARGUMENT too).
 *
 * <p>Holds the process, not its space: the space is looked up per call, so a call after the space
 * closed (exit, or the out-of-memory policy took it) answers CLOSED.
 *
 * <p>Thread safety: any thread of the process; the space serialises.
 */
final class ProcessMemoryCalls implements Memory {
    /** The most bytes one read or write copies: bounds the time one call holds the VM lock. */
    static final int MAX_COPY = 16 << 20;

    private final KoshProcess process;
    private final ProcessMemory memory;

    ProcessMemoryCalls(KoshProcess process, ProcessMemory memory) {
        this.process = process;
        this.memory = memory;
    }

    private static <T> SysResult<T> err(Errno errno, String message) {
        return SysResult.err(errno, message);
    }

    private Optional<VirtualAddressSpace> space() {
        process.checkpoint();
        return memory.space(process.pid());
    }

    private <T> SysResult<T> closed() {
        return err(Errno.CLOSED, process.label() + " has no address space (it is exiting, or was killed for memory)");
    }

    private static Protection protection(PageProtection p) {
        return switch (p) {
            case READ -> Protection.USER_READ;
            case READ_WRITE -> Protection.USER_READ_WRITE;
            case READ_EXECUTE -> Protection.USER_READ_EXECUTE;
        };
    }

    private static <T> SysResult<T> refused(RangeResult.Refused r) {
        Errno errno = r.reason() == RangeResult.Refusal.NO_SPACE ? Errno.FULL : Errno.INVALID_ARGUMENT;
        return err(errno, r.message());
    }

    /** A fault the space could not resolve, as the process sees it: SIGSEGV/SIGBUS reasons and the address. */
    static <T> SysResult<T> fault(Access.Signal s, long bytesBefore) {
        Errno errno = switch (s.reason()) {
            case QUOTA_EXCEEDED -> Errno.QUOTA_EXCEEDED;
            case OUT_OF_MEMORY -> Errno.OUT_OF_MEMORY;
            default -> Errno.FAULT;
        };
        return err(errno, s.reason().signal() + " (" + s.reason().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                + ") on " + s.access().name().toLowerCase(java.util.Locale.ROOT) + " at 0x" + Long.toHexString(s.virtualAddress())
                + ", after " + bytesBefore + " bytes");
    }

    @Override
    public SysResult<Long> map(long pages, PageProtection protection, long hint) {
        if (protection == null) return err(Errno.INVALID_ARGUMENT, "protection is required");
        Optional<VirtualAddressSpace> s = space();
        if (s.isEmpty()) return closed();
        try {
            return switch (s.get().map(hint, pages, protection(protection))) {
                case RangeResult.Done d -> SysResult.ok(d.start());
                case RangeResult.Refused r -> refused(r);
            };
        } catch (IllegalStateException gone) {
            return closed();
        }
    }

    @Override
    public SysResult<Void> unmap(long address, long length) {
        Optional<VirtualAddressSpace> s = space();
        if (s.isEmpty()) return closed();
        try {
            return switch (s.get().unmap(address, length)) {
                case RangeResult.Done d -> SysResult.ok(null);
                case RangeResult.Refused r -> refused(r);
            };
        } catch (IllegalStateException gone) {
            return closed();
        }
    }

    @Override
    public SysResult<Void> protect(long address, long length, PageProtection protection) {
        if (protection == null) return err(Errno.INVALID_ARGUMENT, "protection is required");
        Optional<VirtualAddressSpace> s = space();
        if (s.isEmpty()) return closed();
        try {
            return switch (s.get().protect(address, length, protection(protection))) {
                case RangeResult.Done d -> SysResult.ok(null);
                case RangeResult.Refused r -> refused(r);
            };
        } catch (IllegalStateException gone) {
            return closed();
        }
    }

    @Override
    public SysResult<Long> brk(long newBreak) {
        Optional<VirtualAddressSpace> s = space();
        if (s.isEmpty()) return closed();
        try {
            if (newBreak == 0) return SysResult.ok(s.get().heapBreak());
            return switch (s.get().brk(newBreak)) {
                case RangeResult.Done d -> SysResult.ok(d.start() + d.length());
                case RangeResult.Refused r -> refused(r);
            };
        } catch (IllegalStateException gone) {
            return closed();
        }
    }

    private static String checkArray(byte[] array, int offset, int length) {
        if (array == null) return "the buffer is null";
        if (offset < 0 || length < 0 || length > array.length - offset) {
            return "offset " + offset + " and length " + length + " do not fit a buffer of " + array.length + " bytes";
        }
        if (length > MAX_COPY) return "length " + length + " is above the " + MAX_COPY + "-byte limit of one copy";
        return null;
    }

    @Override
    public SysResult<Integer> read(long address, byte[] into, int offset, int length) {
        String bad = checkArray(into, offset, length);
        if (bad != null) return err(Errno.INVALID_ARGUMENT, bad);
        Optional<VirtualAddressSpace> s = space();
        if (s.isEmpty()) return closed();
        try {
            byte[] buffer = offset == 0 && length == into.length ? into : new byte[length];
            CopyResult r = s.get().read(address, buffer);
            long copied = r instanceof CopyResult.Faulted f ? f.bytesCopied() : length;
            if (buffer != into) System.arraycopy(buffer, 0, into, offset, (int) copied);
            return switch (r) {
                case CopyResult.Copied c -> SysResult.ok(length);
                case CopyResult.Faulted f -> fault(f.signal(), f.bytesCopied());
            };
        } catch (IllegalStateException gone) {
            return closed();
        }
    }

    @Override
    public SysResult<Integer> write(long address, byte[] from, int offset, int length) {
        String bad = checkArray(from, offset, length);
        if (bad != null) return err(Errno.INVALID_ARGUMENT, bad);
        Optional<VirtualAddressSpace> s = space();
        if (s.isEmpty()) return closed();
        try {
            byte[] buffer = offset == 0 && length == from.length ? from : java.util.Arrays.copyOfRange(from, offset, offset + length);
            return switch (s.get().write(address, buffer)) {
                case CopyResult.Copied c -> SysResult.ok(length);
                case CopyResult.Faulted f -> fault(f.signal(), f.bytesCopied());
            };
        } catch (IllegalStateException gone) {
            return closed();
        }
    }

    @Override
    public SysResult<MemoryWindow> view(long address, long length, boolean writable) {
        Optional<VirtualAddressSpace> s = space();
        if (s.isEmpty()) return closed();
        try {
            return switch (s.get().view(address, length, writable ? AccessKind.WRITE : AccessKind.READ)) {
                case ViewResult.Viewed v -> SysResult.ok(new Window(v.view(), writable));
                case ViewResult.Faulted f -> fault(f.signal(), 0);
                case ViewResult.Refused r -> err(r.reason() == RangeResult.Refusal.NO_SPACE ? Errno.QUOTA_EXCEEDED : Errno.INVALID_ARGUMENT,
                        r.message());
            };
        } catch (IllegalStateException gone) {
            return closed();
        }
    }

    @Override
    public SysResult<MemoryUsage> usage() {
        Optional<VirtualAddressSpace> s = space();
        if (s.isEmpty()) return closed();
        try {
            VirtualAddressSpace v = s.get();
            return SysResult.ok(new MemoryUsage(v.residentPages(), v.swappedPages(), v.pageTableFrames(), v.frameQuota(),
                    v.swapQuota(), v.heapBreak()));
        } catch (IllegalStateException gone) {
            return closed();
        }
    }

    /**
     * The API's window over the memory module's view: the accessors turn the segment's exceptions
     * (bounds, read-only, closed) into the process's own {@link KoshException}.
     */
    private record Window(MemoryView view, boolean writable) implements MemoryWindow {
        Window {
            Objects.requireNonNull(view);
        }

        private MemorySegment segment() {
            return view.segment();
        }

        private static KoshException fault(RuntimeException e, long offset) {
            return switch (e) {
                case IndexOutOfBoundsException x -> new KoshException(Errno.INVALID_ARGUMENT, "offset " + offset + " is outside the window");
                case IllegalStateException x -> new KoshException(Errno.CLOSED, "the window is closed (its mapping changed, or it was closed)");
                case UnsupportedOperationException x -> new KoshException(Errno.FAULT, "SIGSEGV (protection): the window is read-only");
                case IllegalArgumentException x -> new KoshException(Errno.FAULT, "SIGSEGV (protection): the window is read-only");
                default -> e instanceof KoshException k ? k : new KoshException(Errno.FAULT, String.valueOf(e.getMessage()));
            };
        }

        @Override
        public long address() {
            return view.virtualAddress();
        }

        @Override
        public long size() {
            return segment().byteSize();
        }

        @Override
        public boolean isOpen() {
            return view.isOpen();
        }

        @Override
        public byte getByte(long offset) {
            try {
                return segment().get(ValueLayout.JAVA_BYTE, offset);
            } catch (RuntimeException e) {
                throw fault(e, offset);
            }
        }

        @Override
        public void putByte(long offset, byte value) {
            try {
                segment().set(ValueLayout.JAVA_BYTE, offset, value);
            } catch (RuntimeException e) {
                throw fault(e, offset);
            }
        }

        @Override
        public long getLong(long offset) {
            try {
                return segment().get(ValueLayout.JAVA_LONG_UNALIGNED, offset);
            } catch (RuntimeException e) {
                throw fault(e, offset);
            }
        }

        @Override
        public void putLong(long offset, long value) {
            try {
                segment().set(ValueLayout.JAVA_LONG_UNALIGNED, offset, value);
            } catch (RuntimeException e) {
                throw fault(e, offset);
            }
        }

        @Override
        public void read(long offset, byte[] dst, int dstOffset, int length) {
            try {
                MemorySegment.copy(segment(), ValueLayout.JAVA_BYTE, offset, dst, dstOffset, length);
            } catch (RuntimeException e) {
                throw fault(e, offset);
            }
        }

        @Override
        public void write(long offset, byte[] src, int srcOffset, int length) {
            try {
                MemorySegment.copy(src, srcOffset, segment(), ValueLayout.JAVA_BYTE, offset, length);
            } catch (RuntimeException e) {
                throw fault(e, offset);
            }
        }

        @Override
        public ByteBuffer buffer() {
            try {
                return segment().asByteBuffer();
            } catch (RuntimeException e) {
                throw fault(e, 0);
            }
        }

        @Override
        public void close() {
            view.close();
        }
    }
}
