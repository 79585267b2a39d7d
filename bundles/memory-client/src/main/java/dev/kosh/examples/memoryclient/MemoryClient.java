package dev.kosh.examples.memoryclient;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import dev.kosh.api.Console;
import dev.kosh.api.Errno;
import dev.kosh.api.KoshException;
import dev.kosh.api.Memory;
import dev.kosh.api.MemoryUsage;
import dev.kosh.api.MemoryWindow;
import dev.kosh.api.PageProtection;
import dev.kosh.api.Message;
import dev.kosh.api.Outgoing;
import dev.kosh.api.ProcessContext;
import dev.kosh.api.Program;
import dev.kosh.api.SharedMapping;
import dev.kosh.api.SysResult;
import dev.kosh.examples.memory.MemoryProtocol;
import dev.kosh.examples.memory.MemoryProtocol.Allocate;
import dev.kosh.examples.memory.MemoryProtocol.Allocated;
import dev.kosh.examples.memory.MemoryProtocol.ClientUsage;
import dev.kosh.examples.memory.MemoryProtocol.Failure;
import dev.kosh.examples.memory.MemoryProtocol.Free;
import dev.kosh.examples.memory.MemoryProtocol.Freed;
import dev.kosh.examples.memory.MemoryProtocol.Stats;
import dev.kosh.examples.memory.MemoryProtocol.Statistics;

/**
 * A client of the memory service. Without arguments: allocates a region, maps it, writes a text
 * and a number, reads them back, prints the statistics, frees the region (and shows its mapping
 * is gone) and prints the statistics again. {@code --alloc BYTES...}: allocates each size in turn
 * and keeps them (shows the budget). {@code --hold BYTES}: allocates, maps and waits until the
 * region's capability ends (the service revoked it). {@code --vm}: no service at all, the process's
 * own address space through {@code ctx.memory()}: maps pages, writes and reads them, makes one
 * read-only and shows the fault a write gets, grows the heap with brk, writes through a window, and
 * prints its usage. {@code --segv}: a worker thread lets an unmapped read's FAULT out; the kernel ends
 * the process with SEGV (exit 139). Every failure prints {@code memory-client:
 * ... failed: ERRNO: message} and ends the process with exit code 2.
 */
public final class MemoryClient implements Program {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** An allocated region as the client sees it: the service's id and the client's capability. */
    private record Region(long id, long bytes, int handle) {}

    @Override
    public int main(ProcessContext ctx) throws InterruptedException {
        Console out = ctx.console();
        List<String> args = ctx.args();
        if (args.size() == 1 && args.getFirst().equals("--segv")) {
            return unhandledFault(ctx);
        }
        if (args.size() == 1 && args.getFirst().equals("--vm")) {
            try {
                return ownMemory(ctx);
            } catch (KoshException e) {
                out.println("memory-client: memory call failed: " + e.getMessage());
                return 2;
            }
        }
        int service;
        try {
            service = ctx.ipc().lookup(MemoryProtocol.NAME).orThrow();
        } catch (KoshException e) {
            out.println("memory-client: lookup failed: " + e.getMessage());
            return 2;
        }
        try {
            if (!args.isEmpty() && args.getFirst().equals("--alloc")) {
                for (String size : args.subList(1, args.size())) {
                    Region r = allocate(ctx, service, Long.parseLong(size));
                    out.println("memory-client: allocated region " + r.id() + " of " + r.bytes() + " bytes");
                }
                printStats(out, stats(ctx, service));
                return 0;
            }
            if (args.size() == 2 && args.getFirst().equals("--hold")) {
                return hold(ctx, service, Long.parseLong(args.get(1)));
            }
            return demo(ctx, service);
        } catch (KoshException e) {
            out.println("memory-client: call failed: " + e.getMessage());
            return 2;
        } catch (NumberFormatException e) {
            out.println("memory-client: usage: memory-client [--alloc BYTES... | --hold BYTES | --vm | --segv]");
            return 2;
        }
    }

    /**
     * A worker thread reads an unmapped page and lets the FAULT out ({@code orThrow}): an unhandled
     * memory fault, whose default action ends the process with SEGV (exit 139; docs/processes.md).
     */
    private static int unhandledFault(ProcessContext ctx) throws InterruptedException {
        Memory m = ctx.memory();
        long at = m.map(1, PageProtection.READ_WRITE, 0).orThrow();
        m.unmap(at, Memory.PAGE_SIZE).orThrow();
        ctx.console().println("memory-client: a worker reads the unmapped page at 0x" + Long.toHexString(at) + " without handling the fault");
        ctx.startThread("wild", () -> m.read(at, new byte[1], 0, 1).orThrow()).orThrow();
        while (true) ctx.sleep(Duration.ofMillis(50)); // the kernel ends the process
    }

    /** The system calls on the process's own address space (docs/memory.md). */
    private static int ownMemory(ProcessContext ctx) {
        Console out = ctx.console();
        Memory m = ctx.memory();
        long page = Memory.PAGE_SIZE;
        long at = m.map(4, PageProtection.READ_WRITE, 0).orThrow();
        out.println("memory-client: mapped 4 pages at 0x" + Long.toHexString(at));
        byte[] text = "hello, own memory".getBytes(StandardCharsets.UTF_8);
        m.write(at + 100, text, 0, text.length).orThrow();
        byte[] back = new byte[text.length];
        m.read(at + 100, back, 0, back.length).orThrow();
        out.println("memory-client: read back '" + new String(back, StandardCharsets.UTF_8) + "'");
        m.protect(at, page, PageProtection.READ).orThrow();
        if (m.write(at, text, 0, 1) instanceof SysResult.Err<Integer> fault) {
            out.println("memory-client: write to a read-only page: " + fault.errno() + " " + fault.message());
        }
        m.unmap(at + 3 * page, page).orThrow();
        if (m.read(at + 3 * page, back, 0, 1) instanceof SysResult.Err<Integer> fault) {
            out.println("memory-client: read of an unmapped page: " + fault.errno());
        }
        long base = m.brk(0).orThrow();
        long brk = m.brk(base + 3 * page).orThrow();
        out.println("memory-client: heap grown by " + (brk - base) + " bytes");
        try (MemoryWindow w = m.view(at + page, 8, true).orThrow()) {
            w.putLong(0, 0x4b6f7368L);
            out.println("memory-client: wrote through a window of " + w.size() + " bytes: " + Long.toHexString(w.getLong(0)));
        }
        MemoryUsage u = m.usage().orThrow();
        out.println("memory-client: usage " + u.residentPages() + " resident pages, " + u.tablePages() + " page tables, quota "
                + u.frameQuota() + " frames, swap quota " + u.swapQuota() + " pages");
        return 0;
    }

    private static int demo(ProcessContext ctx, int service) {
        Console out = ctx.console();
        Region r = allocate(ctx, service, 4096);
        out.println("memory-client: allocated region " + r.id() + " of " + r.bytes() + " bytes");
        SharedMapping m = ctx.ipc().map(r.handle()).orThrow();
        out.println("memory-client: mapped " + m.size() + " bytes, writable " + m.writable());
        byte[] text = "hello, shared memory".getBytes(StandardCharsets.UTF_8);
        m.putInt(0, text.length);
        m.write(4, text, 0, text.length);
        m.putLong(4000, 0x4b6f7368L);
        byte[] back = new byte[m.getInt(0)];
        m.read(4, back, 0, back.length);
        out.println("memory-client: read back '" + new String(back, StandardCharsets.UTF_8) + "' and "
                + Long.toHexString(m.getLong(4000)));
        printStats(out, stats(ctx, service));
        Freed freed = free(ctx, service, r.id());
        out.println("memory-client: freed region " + freed.region() + " (" + freed.bytes() + " bytes), "
                + freed.regionsLeft() + " left");
        out.println("memory-client: mapping still mapped: " + m.mapped());
        try {
            m.getByte(0);
            out.println("memory-client: the freed region is still readable");
        } catch (KoshException e) {
            out.println("memory-client: the freed region is gone: " + e.errno());
        }
        printStats(out, stats(ctx, service));
        return 0;
    }

    private static int hold(ProcessContext ctx, int service, long bytes) {
        Console out = ctx.console();
        Region r = allocate(ctx, service, bytes);
        SharedMapping m = ctx.ipc().map(r.handle()).orThrow();
        m.putByte(0, (byte) 1);
        out.println("memory-client: holding region " + r.id() + " of " + r.bytes() + " bytes");
        while (!ctx.terminationRequested()) {
            SysResult<?> cap = ctx.identify(r.handle());
            if (cap instanceof SysResult.Err<?> err) {
                out.println("memory-client: region " + r.id() + " gone: " + err.errno() + ", mapped " + m.mapped());
                return 0;
            }
            try {
                ctx.sleep(Duration.ofMillis(20));
            } catch (InterruptedException e) {
                return 1;
            }
        }
        return 1;
    }

    private static Region allocate(ProcessContext ctx, int service, long bytes) {
        Message reply = call(ctx, service, new Allocate(bytes));
        Allocated a = (Allocated) reply.data();
        if (reply.handles().isEmpty()) throw new KoshException(Errno.INVALID_ARGUMENT, "memory: the reply carried no region");
        return new Region(a.region(), a.bytes(), reply.handles().getFirst());
    }

    private static Freed free(ProcessContext ctx, int service, long region) {
        return (Freed) call(ctx, service, new Free(region)).data();
    }

    private static Statistics stats(ProcessContext ctx, int service) {
        return (Statistics) call(ctx, service, new Stats()).data();
    }

    private static Message call(ProcessContext ctx, int service, MemoryProtocol request) {
        Message reply = ctx.ipc().call(service, Outgoing.of(MemoryProtocol.LABEL, request), TIMEOUT).orThrow();
        if (reply.label() == MemoryProtocol.FAILED && reply.data() instanceof Failure f) {
            throw new KoshException(f.errno(), f.message());
        }
        return reply;
    }

    private static void printStats(Console out, Statistics s) {
        StringBuilder line = new StringBuilder("memory-client: stats: ").append(s.regions()).append(" regions, ")
                .append(s.bytes()).append(" bytes, budget ").append(s.budgetPerClient());
        for (ClientUsage c : s.clients()) {
            line.append("; pid ").append(c.pid()).append(": ").append(c.regions()).append(" regions, ").append(c.bytes()).append(" bytes");
        }
        out.println(line.toString());
    }
}
