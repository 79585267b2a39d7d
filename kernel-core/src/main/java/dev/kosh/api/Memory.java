package dev.kosh.api;

/**
 * The system calls on the calling process's own virtual address space (docs/memory.md, "System
 * calls"). No capability is needed: a process can reach only its own space. Addresses and lengths
 * are bytes; ranges are page-aligned (4 KiB) except for {@link #brk}, {@link #read},
 * {@link #write} and {@link #view}.
 *
 * <p>Errors: {@link Errno#INVALID_ARGUMENT} (unaligned, negative, overflowing or out-of-range
 * arguments: the message names which), {@link Errno#FAULT} (the access hit an unmapped page, a
 * stack's guard page, a read-only or no-execute page: what a native process gets as SIGSEGV; the
 * message names the reason and address), {@link Errno#QUOTA_EXCEEDED} (the process's frame and
 * swap quotas are full: SIGBUS), {@link Errno#OUT_OF_MEMORY} (the whole system is out of frames
 * and swap), {@link Errno#FULL} (no free range of that size), {@link Errno#CLOSED} (the process's
 * space is gone: it is exiting or was killed by the out-of-memory policy).
 *
 * <p>Thread safety: any thread of the owning process.
 */
public interface Memory {

    /** The page size. */
    long PAGE_SIZE = 4096;

    /**
     * Maps {@code pages} pages of zeroed memory (no frame until touched). With {@code hint} 0 the
     * kernel picks the address (randomised base, ASLR); otherwise at {@code hint} if that range is
     * free, else where the kernel picks. Answers the address.
     */
    SysResult<Long> map(long pages, PageProtection protection, long hint);

    /** Unmaps {@code [address, address + length)}; mappings partly inside are cut. Unmapped pages in it are no error. */
    SysResult<Void> unmap(long address, long length);

    /** Changes the rights of every page of {@code [address, address + length)}; a hole in the range is INVALID_ARGUMENT and changes nothing. */
    SysResult<Void> protect(long address, long length, PageProtection protection);

    /** Moves the program break to {@code newBreak} (0: just answer it) and answers the break. The heap is read/write. */
    SysResult<Long> brk(long newBreak);

    /** Copies {@code length} bytes at {@code address} into {@code into[offset..]}; answers the bytes copied. */
    SysResult<Integer> read(long address, byte[] into, int offset, int length);

    /** Copies {@code from[offset..offset + length)} to {@code address}; answers the bytes copied. */
    SysResult<Integer> write(long address, byte[] from, int offset, int length);

    /** A window onto {@code [address, address + length)}, which must lie inside one page. */
    SysResult<MemoryWindow> view(long address, long length, boolean writable);

    /** Resident and swapped pages, quotas, the break. */
    SysResult<MemoryUsage> usage();
}
