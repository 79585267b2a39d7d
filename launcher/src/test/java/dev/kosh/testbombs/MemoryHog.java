package dev.kosh.testbombs;

import java.time.Duration;

import dev.kosh.api.Memory;
import dev.kosh.api.PageProtection;
import dev.kosh.api.ProcessContext;
import dev.kosh.api.Program;
import dev.kosh.api.SysResult;

/**
 * Maps {@code args[0]} pages and writes one byte to each through the system calls, journals
 * {@code hog: wrote N pages, then ERRNO|none}, then waits to be terminated.
 */
public final class MemoryHog implements Program {
    @Override
    public int main(ProcessContext ctx) throws InterruptedException {
        long pages = Long.parseLong(ctx.args().get(0));
        Memory m = ctx.memory();
        long base = m.map(pages, PageProtection.READ_WRITE, 0).orThrow();
        long wrote = 0;
        String end = "none";
        for (long i = 0; i < pages; i++) {
            if (m.write(base + i * Memory.PAGE_SIZE, new byte[] {1}, 0, 1) instanceof SysResult.Err<Integer> err) {
                end = err.errno() + " (" + err.message() + ")";
                break;
            }
            wrote++;
        }
        ctx.log("hog: wrote " + wrote + " pages, then " + end);
        while (!ctx.terminationRequested()) {
            ctx.sleep(Duration.ofMillis(200));
        }
        return 0;
    }
}
