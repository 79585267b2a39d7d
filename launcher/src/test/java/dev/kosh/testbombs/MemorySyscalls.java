package dev.kosh.testbombs;

import dev.kosh.api.KoshException;
import java.nio.charset.StandardCharsets;

import dev.kosh.api.Memory;
import dev.kosh.api.MemoryWindow;
import dev.kosh.api.PageProtection;
import dev.kosh.api.ProcessContext;
import dev.kosh.api.Program;
import dev.kosh.api.SysResult;

/**
 * Goes through the memory system calls on its own space and journals one line per call,
 * {@code ms: STEP ok VALUE} or {@code ms: STEP err ERRNO}, for ProcessMemoryCallsTest to check.
 */
public final class MemorySyscalls implements Program {
    private ProcessContext ctx;

    private <T> T say(String step, SysResult<T> r) {
        switch (r) {
            case SysResult.Ok<T> ok -> ctx.log("ms: " + step + " ok " + ok.value());
            case SysResult.Err<T> err -> ctx.log("ms: " + step + " err " + err.errno() + " " + err.message());
        }
        return r instanceof SysResult.Ok<T> ok ? ok.value() : null;
    }

    @Override
    public int main(ProcessContext context) {
        ctx = context;
        Memory m = ctx.memory();
        long page = Memory.PAGE_SIZE;
        long a = say("map", m.map(4, PageProtection.READ_WRITE, 0));
        say("write", m.write(a + 10, "hello".getBytes(StandardCharsets.US_ASCII), 0, 5));
        byte[] back = new byte[5];
        say("read", m.read(a + 10, back, 0, 5));
        ctx.log("ms: read-bytes " + new String(back, StandardCharsets.US_ASCII));
        say("protect", m.protect(a, page, PageProtection.READ));
        say("write-readonly", m.write(a, new byte[] {1}, 0, 1));
        say("exec-page", m.protect(a + page, page, PageProtection.READ_EXECUTE));
        say("unmap", m.unmap(a + 3 * page, page));
        say("read-unmapped", m.read(a + 3 * page, back, 0, 1));
        say("map-zero", m.map(0, PageProtection.READ_WRITE, 0));
        say("map-null", m.map(1, null, 0));
        say("unmap-unaligned", m.unmap(a + 1, page));
        say("protect-hole", m.protect(a, 4 * page, PageProtection.READ_WRITE));
        say("read-bounds", m.read(a, back, 3, 5));
        long b0 = say("brk-query", m.brk(0));
        say("brk-grow", m.brk(b0 + 10_000));
        say("brk-write", m.write(b0 + 9_000, new byte[1000], 0, 1000));
        say("brk-below", m.brk(b0 - 4096));
        try (MemoryWindow w = say("view", m.view(a + 2 * page + 8, 16, true))) {
            w.putByte(0, (byte) 42);
            byte[] one = new byte[1];
            m.read(a + 2 * page + 8, one, 0, 1);
            ctx.log("ms: view-wrote " + one[0] + " size " + w.size());
            try {
                w.getByte(16);
            } catch (KoshException e) {
                ctx.log("ms: view-past-end " + e.errno());
            }
            say("unmap-viewed", m.unmap(a + 2 * page, page));
            try {
                w.getByte(0);
            } catch (KoshException e) {
                ctx.log("ms: view-after-unmap " + e.errno() + " open " + w.isOpen());
            }
        }
        say("view-across-pages", m.view(a + 2 * page + 4000, 200, false));
        say("usage", m.usage());
        ctx.log("ms: done");
        return 0;
    }
}
