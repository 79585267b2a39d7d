package dev.kosh.kernel.process;

import dev.kosh.api.Errno;
import dev.kosh.api.Memory;
import dev.kosh.api.MemoryUsage;
import dev.kosh.api.MemoryWindow;
import dev.kosh.api.PageProtection;
import dev.kosh.api.SysResult;

/** The memory calls of a kernel without virtual memory: every call answers UNAVAILABLE. */
enum UnavailableMemory implements Memory {
    INSTANCE;

    private static <T> SysResult<T> none() {
        return SysResult.err(Errno.UNAVAILABLE, "virtual memory is not running in this kernel");
    }

    @Override public SysResult<Long> map(long pages, PageProtection protection, long hint) { return none(); }
    @Override public SysResult<Void> unmap(long address, long length) { return none(); }
    @Override public SysResult<Void> protect(long address, long length, PageProtection protection) { return none(); }
    @Override public SysResult<Long> brk(long newBreak) { return none(); }
    @Override public SysResult<Integer> read(long address, byte[] into, int offset, int length) { return none(); }
    @Override public SysResult<Integer> write(long address, byte[] from, int offset, int length) { return none(); }
    @Override public SysResult<MemoryWindow> view(long address, long length, boolean writable) { return none(); }
    @Override public SysResult<MemoryUsage> usage() { return none(); }
}
