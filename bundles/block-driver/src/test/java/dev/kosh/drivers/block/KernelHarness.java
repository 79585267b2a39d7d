package dev.kosh.drivers.block;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.kosh.api.Errno;
import dev.kosh.api.Program;
import dev.kosh.api.SysResult;
import dev.kosh.driver.BlockGrant;
import dev.kosh.driver.DriverManager;
import dev.kosh.hal.linux.IoUringBlockDevice.DirectIo;
import dev.kosh.kernel.journal.Journal;
import dev.kosh.kernel.journal.JournalEntry;
import dev.kosh.kernel.journal.Severity;
import dev.kosh.kernel.process.CapabilitySet;
import dev.kosh.kernel.process.ProcessTable;
import dev.kosh.kernel.process.ProgramImage;
import dev.kosh.scheduler.KernelThreads;

/**
 * The kernel pieces a block driver runs under, in small: a process table whose loader runs the
 * manager's host for a {@link BlockDriver}, a driver manager, and a block grant on a backing file.
 * Requests go through {@link DriverManager#call}: the driver's channel, its process, its replies.
 */
public final class KernelHarness implements AutoCloseable {
    static final String BUNDLE = "dev.kosh.driver.block";

    final List<String> journal = new CopyOnWriteArrayList<>();
    final ProcessTable table;
    public final DriverManager manager;
    final BlockGrant grant;

    public KernelHarness(Path backing, long sizeBytes, int queueDepth, DirectIo direct) throws InterruptedException {
        Journal j = new ListJournal(journal);
        table = new ProcessTable(new KernelThreads(), this::load, j, (pid, text) -> { }, Duration.ofSeconds(1));
        table.createInit(new CapabilitySet(Set.of("log")));
        manager = new DriverManager(table, j);
        grant = new BlockGrant("block", List.of(new BlockGrant.Backing(backing, sizeBytes, direct, queueDepth)));
        manager.grantBlocks("block", grant);
        manager.start("block", BUNDLE, Set.of("log"), false, Duration.ofSeconds(5)).orThrow();
    }

    private SysResult<ProgramImage> load(String bundle) {
        if (!bundle.equals(BUNDLE)) return SysResult.err(Errno.NO_SUCH_PROGRAM, "no bundle " + bundle);
        return SysResult.ok(new ProgramImage() {
            public String name() {
                return bundle;
            }

            public String origin() {
                return bundle + " (test)";
            }

            public Set<String> declaredCapabilities() {
                return Set.of("log");
            }

            public Program instantiate() {
                return manager.hostFor("block", new BlockDriver()).orThrow();
            }
        });
    }

    @Override
    public void close() {
        manager.shutdown(); // a driver that ends now is not restarted (its new instance would reopen the backing file)
        table.terminateAll(Duration.ofSeconds(2));
        table.close();
        grant.close();
    }

    /** Journal lines in a list. */
    record ListJournal(List<String> lines) implements Journal {
        public int boot() {
            return 1;
        }

        public void append(Severity severity, String source, String message) {
            lines.add(severity + " " + source + ": " + message);
        }

        public List<JournalEntry> read(int bootsAgo, int limit) {
            return List.of();
        }

        public long sizeBytes() {
            return 0;
        }

        public long entriesAppended() {
            return lines.size();
        }

        public void close() {
        }
    }
}
