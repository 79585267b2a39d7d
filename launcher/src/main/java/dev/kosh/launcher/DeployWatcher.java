package dev.kosh.launcher;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;

import dev.kosh.api.SysResult;
import dev.kosh.driver.DriverInfo;
import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.kernel.process.Priority;
import dev.kosh.kernel.process.ProcessTable;

/**
 * Watches {@code <data>/deploy}: a jar dropped there is installed and, if it is a program, started
 * as a process (a driver is started by the driver manager); a replaced jar updates the bundle and
 * restarts its process on the new revision; a deleted jar stops and uninstalls it.
 *
 * <p>A file is acted on only once it is complete: unchanged in size and time for
 * {@link #SETTLE} and readable as a whole jar (a zip's directory is at its end, so a half-written
 * jar does not open). A file that stays unreadable for {@link #GIVE_UP} is refused as corrupt.
 * Names starting with '.' or ending in .tmp/.part are ignored, so writers can rename into place.
 *
 * <p>All state belongs to the watcher's one thread ("kosh-deploy").
 */
final class DeployWatcher implements AutoCloseable {
    static final Duration SETTLE = Duration.ofMillis(20);
    static final Duration GIVE_UP = Duration.ofMillis(1500);
    private static final String LOCATION_PREFIX = "kosh-deploy:";

    private final Kernel kernel;
    private final Path dir;
    private final WatchService watcher;
    private final Thread thread;
    private volatile boolean running = true;

    /** A file seen changing, not yet acted on. */
    private static final class Candidate {
        long size = -1, modified = -1;
        long lastChangeNanos = System.nanoTime();
    }

    /** A deployed file: its bundle, and the content stamp it was deployed from. */
    private record Deployed(Bundle bundle, String symbolicName, long size, long modified) {}

    private final Map<Path, Candidate> pending = new HashMap<>();
    private final Map<Path, Deployed> deployed = new HashMap<>();
    private final Map<Path, Long> refused = new HashMap<>(); // file → modified time that was refused

    private DeployWatcher(Kernel kernel, Path dir, WatchService watcher) {
        this.kernel = kernel;
        this.dir = dir;
        this.watcher = watcher;
        this.thread = Thread.ofPlatform().name("kosh-deploy").daemon(true).unstarted(this::run);
    }

    static DeployWatcher start(Kernel kernel, Path dir) throws IOException {
        Files.createDirectories(dir);
        WatchService ws = FileSystems.getDefault().newWatchService();
        dir.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        DeployWatcher w = new DeployWatcher(kernel, dir.toAbsolutePath(), ws);
        w.scanAll(); // jars already there at boot are deployed like new ones
        w.thread.start();
        return w;
    }

    Path directory() {
        return dir;
    }

    private void scanAll() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) if (relevant(p)) pending.putIfAbsent(p, new Candidate());
        }
        for (Path p : List.copyOf(deployed.keySet())) {
            if (!Files.exists(p)) removed(p);
        }
    }

    private static boolean relevant(Path p) {
        String n = p.getFileName().toString();
        return n.endsWith(".jar") && !n.startsWith(".");
    }

    private void run() {
        while (running) {
            try {
                WatchKey key = watcher.poll(pending.isEmpty() ? 200 : 5, TimeUnit.MILLISECONDS);
                if (key != null) {
                    for (WatchEvent<?> event : key.pollEvents()) {
                        if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                            scanAll();
                            continue;
                        }
                        Path p = dir.resolve((Path) event.context());
                        if (!relevant(p)) continue;
                        if (event.kind() == StandardWatchEventKinds.ENTRY_DELETE) {
                            pending.remove(p);
                            refused.remove(p);
                            removed(p);
                        } else {
                            pending.computeIfAbsent(p, x -> new Candidate());
                        }
                    }
                    key.reset();
                }
                settle();
            } catch (ClosedWatchServiceException e) {
                return;
            } catch (InterruptedException e) {
                if (!running) return;
            } catch (IOException | RuntimeException e) {
                kernel.journal().error("deploy", "watcher error: " + e);
            }
        }
    }

    /** Acts on every pending file that has settled. */
    private void settle() throws InterruptedException {
        long now = System.nanoTime();
        for (Iterator<Map.Entry<Path, Candidate>> it = pending.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Path, Candidate> e = it.next();
            Path p = e.getKey();
            Candidate c = e.getValue();
            BasicFileAttributes attrs;
            try {
                attrs = Files.readAttributes(p, BasicFileAttributes.class);
            } catch (IOException gone) {
                it.remove();
                continue;
            }
            long size = attrs.size(), modified = attrs.lastModifiedTime().toMillis();
            if (size != c.size || modified != c.modified) {
                c.size = size;
                c.modified = modified;
                c.lastChangeNanos = now;
                continue;
            }
            if (now - c.lastChangeNanos < SETTLE.toNanos()) continue;
            Deployed d = deployed.get(p);
            if (d != null && d.size() == size && d.modified() == modified) {
                it.remove(); // a touch without new content
                continue;
            }
            Long refusedAt = refused.get(p);
            if (refusedAt != null && refusedAt == modified) {
                it.remove();
                continue;
            }
            BundleJars.Manifested m;
            try {
                m = BundleJars.inspect(p);
            } catch (BundleJars.Refused r) {
                if (now - c.lastChangeNanos < GIVE_UP.toNanos() && r.getMessage().startsWith("not a valid jar")) continue; // may still be written
                it.remove();
                refuse(p, modified, r.getMessage());
                continue;
            }
            it.remove();
            deploy(p, m, size, modified);
        }
    }

    private void refuse(Path p, long modified, String reason) {
        refused.put(p, modified);
        kernel.journal().error("deploy", "refused " + p.getFileName() + ": " + reason);
        kernel.announce("deploy: refused " + p.getFileName() + ": " + reason);
        kernel.metrics().deployEvent("install", "refused");
    }

    private void deploy(Path p, BundleJars.Manifested m, long size, long modified) throws InterruptedException {
        Deployed previous = deployed.get(p);
        String action = previous == null ? "install" : "update";
        if (previous != null) stopUsers(previous.symbolicName());
        Bundle bundle;
        try {
            bundle = BundleJars.installOrUpdate(kernel.framework(), LOCATION_PREFIX + p.getFileName(), p);
        } catch (BundleJars.Refused r) {
            if (previous != null) deployed.remove(p); // the failed update uninstalled it
            refuse(p, modified, r.getMessage());
            return;
        }
        deployed.put(p, new Deployed(bundle, m.symbolicName(), size, modified));
        refused.remove(p);
        String started = startUsers(bundle, m);
        String line = (previous == null ? "installed " : "updated ") + p.getFileName() + " as " + BundlePrograms.origin(bundle)
                + (started.isEmpty() ? "" : ", " + started);
        kernel.journal().info("deploy", line);
        kernel.announce("deploy: " + line);
        kernel.metrics().deployEvent(action, "ok");
    }

    /** Starts the bundle's process or driver; returns what was started, for the message. */
    private String startUsers(Bundle bundle, BundleJars.Manifested m) throws InterruptedException {
        var allowed = kernel.config().deployCapabilities();
        if (m.driverName() != null) {
            kernel.registerDriver(bundle);
            SysResult<DriverInfo> r = kernel.drivers().start(m.driverName(), m.symbolicName(), allowed, false, Duration.ofSeconds(5));
            return switch (r) {
                case SysResult.Ok<DriverInfo> ok -> "driver " + m.driverName() + " pid " + ok.value().pid();
                case SysResult.Err<DriverInfo> err -> "driver " + m.driverName() + " failed: " + err.message();
            };
        }
        if (!m.program()) return "library";
        var request = new ProcessTable.SpawnRequest(m.symbolicName(), List.of(), ProcessTable.INIT_PID, allowed, Priority.NORMAL, null);
        return switch (kernel.processes().spawn(request)) {
            case SysResult.Ok<KoshProcess> ok -> "pid " + ok.value().pid();
            case SysResult.Err<KoshProcess> err -> "could not start: " + err.message();
        };
    }

    /** Stops every process and driver running from the bundle, before it is updated or removed. */
    private void stopUsers(String symbolicName) throws InterruptedException {
        for (String driver : kernel.drivers().driversFromBundle(symbolicName)) {
            kernel.drivers().stop(driver, kernel.config().stopTimeout());
        }
        Shell.stopProcesses(kernel, kernel.processes().runningProgram(symbolicName), "deploy");
    }

    private void removed(Path p) {
        Deployed d = deployed.remove(p);
        if (d == null) return;
        try {
            stopUsers(d.symbolicName());
            BundleJars.uninstallQuietly(kernel.framework(), d.bundle());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        kernel.journal().info("deploy", "removed " + p.getFileName() + ": " + d.symbolicName() + " stopped and uninstalled");
        kernel.announce("deploy: removed " + p.getFileName() + " (" + d.symbolicName() + " uninstalled)");
        kernel.metrics().deployEvent("uninstall", "ok");
    }

    @Override
    public void close() {
        running = false;
        try {
            watcher.close();
        } catch (IOException e) {
            kernel.journal().warn("deploy", "closing the watch service: " + e.getMessage());
        }
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
