package dev.kosh.launcher;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.osgi.framework.Bundle;

import dev.kosh.api.CapabilityInfo;
import dev.kosh.api.Errno;
import dev.kosh.api.ExitStatus;
import dev.kosh.api.Signal;
import dev.kosh.api.SysResult;
import dev.kosh.driver.DriverInfo;
import dev.kosh.ipc.IpcKernel;
import dev.kosh.driver.api.DriverRequest;
import dev.kosh.driver.api.DriverResponse;
import dev.kosh.kernel.init.ServiceStatus;
import dev.kosh.kernel.journal.JournalEntry;
import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.kernel.process.Priority;
import dev.kosh.kernel.process.ProcessInfo;
import dev.kosh.kernel.process.ProcessTable;

/** The shell's commands. Each validates its arguments and fails with a one-line message. */
final class Commands {
    private static final Duration DRIVER_TIMEOUT = Duration.ofSeconds(5);

    private final Kernel kernel;
    private final PrintStream out;

    Commands(Kernel kernel, PrintStream out) {
        this.kernel = kernel;
        this.out = out;
    }

    void registerAll(Shell shell) {
        shell.register("ps", "ps", "list processes: pid, parent, name, space, state, priority, CPU time, threads, bundle", a -> ps(a));
        shell.register("kill", "kill [-SIGNAL] PID[/THREAD]...", "send a signal (default TERM; KILL, INT, HUP, STOP, CONT; to one thread: KILL, STOP, CONT)", this::kill);
        shell.register("run", "run [-b] PROGRAM|JAR [ARGS]", "start a program (bundle name or jar path); -b: do not wait", this::run);
        shell.register("services", "services", "list init's services: state, pid, restarts, last exit", a -> services(a));
        shell.register("lsdrv", "lsdrv", "list drivers: name, bundle, pid, state, requests served", a -> lsdrv(a));
        shell.register("insdrv", "insdrv JAR", "install a driver bundle and start its driver", this::insdrv);
        shell.register("rmdrv", "rmdrv NAME", "stop a driver (and uninstall it if insdrv installed it)", this::rmdrv);
        shell.register("lsdev", "lsdev", "devices the HAL found: address, ids, class, the driver bound to each (or unmatched)", a -> lsdev(a));
        shell.register("crashdump", "crashdump NAME", "the last crash dump of a driver (cause, request in flight, last requests)", this::crashdump);
        shell.register("drvcall", "drvcall NAME OP [TEXT]", "send a request to a driver and print the answer", this::drvcall);
        shell.register("dmesg", "dmesg [-b N] [-n LINES]", "show the kernel journal (of the boot N boots ago)", this::dmesg);
        shell.register("meminfo", "meminfo", "physical memory: frames free per order; virtual memory: faults, swap, compactions", a -> meminfo(a));
        shell.register("pmap", "pmap PID", "a process's address space: regions, resident, shared and swapped kB, page-table frames", this::pmap);
        shell.register("caps", "caps PID", "a process's capability table: handle, object, rights, badge, derived-from; its grants", this::caps);
        shell.register("ipcstat", "ipcstat", "IPC: calls and errors, registered services, live endpoints, channels, notifications, shared memory", a -> ipcstat(a));
        shell.register("uptime", "uptime", "time since boot, boot number, process count", a -> uptime(a));
        shell.register("shutdown", "shutdown", "stop every process and halt", a -> shutdown(a));
    }

    private static void noArgs(String cmd, List<String> args) {
        if (!args.isEmpty()) throw new Shell.CommandFailed("takes no arguments (usage: " + cmd + ")");
    }

    private void ps(List<String> args) {
        noArgs("ps", args);
        out.printf("%5s %5s %-18s %-6s %-18s %-11s %9s %4s  %s%n", "PID", "PPID", "NAME", "SPACE", "STATE", "PRIORITY", "CPU", "THR", "BUNDLE");
        for (ProcessInfo p : kernel.processes().snapshot()) {
            out.printf("%5d %5d %-18s %-6s %-18s %-11s %9s %4d  %s%n", p.pid(), p.ppid(), p.name(), p.space(), p.state().label(),
                    p.priority().label(), formatCpu(p.cpuTime()), p.threads(), p.origin());
        }
    }

    static String formatCpu(Duration d) {
        return String.format("%d.%03ds", d.toSeconds(), d.toMillisPart());
    }

    private void kill(List<String> args) {
        if (args.isEmpty()) throw new Shell.CommandFailed("usage: kill [-SIGNAL] PID[/THREAD]...");
        Signal signal = Signal.TERM;
        List<String> pids = args;
        if (args.getFirst().startsWith("-")) {
            String name = args.getFirst().substring(1);
            signal = Signal.parse(name).orElseThrow(() -> new Shell.CommandFailed("unknown signal '" + name + "' (HUP, INT, KILL, TERM, STOP, CONT, or their numbers)"));
            pids = args.subList(1, args.size());
        }
        if (pids.isEmpty()) throw new Shell.CommandFailed("no pid given");
        List<String> failures = new ArrayList<>();
        for (String s : pids) {
            int slash = s.indexOf('/');
            // PID/THREAD: one thread, by the name it was started with (caps PID lists them)
            SysResult<Void> sent = slash < 0 ? kernel.processes().signal(parsePid(s), signal, "shell")
                    : kernel.processes().signalThread(parsePid(s.substring(0, slash)), s.substring(slash + 1), signal, "shell");
            if (sent instanceof SysResult.Err<Void> err) failures.add(err.message());
        }
        if (!failures.isEmpty()) throw new Shell.CommandFailed(String.join("; ", failures));
    }

    private static int parsePid(String s) {
        try {
            int pid = Integer.parseInt(s);
            if (pid <= 0) throw new NumberFormatException();
            return pid;
        } catch (NumberFormatException e) {
            throw new Shell.CommandFailed("'" + s + "' is not a process id");
        }
    }

    private void run(List<String> args) throws Exception {
        boolean background = !args.isEmpty() && args.getFirst().equals("-b");
        List<String> rest = background ? args.subList(1, args.size()) : args;
        if (rest.isEmpty()) throw new Shell.CommandFailed("usage: run [-b] PROGRAM|JAR [ARGS]");
        String program = rest.getFirst();
        if (program.endsWith(".jar") || program.contains("/")) program = installForRun(Path.of(program));
        var request = new ProcessTable.SpawnRequest(program, rest.subList(1, rest.size()), ProcessTable.INIT_PID,
                kernel.config().deployCapabilities(), Priority.NORMAL, null);
        KoshProcess p = switch (kernel.processes().spawn(request)) {
            case SysResult.Ok<KoshProcess> ok -> ok.value();
            case SysResult.Err<KoshProcess> err -> throw new Shell.CommandFailed(err.message());
        };
        if (background) {
            out.println("started pid " + p.pid() + " (" + p.name() + ")");
            return;
        }
        ExitStatus status = p.exitFuture().get();
        kernel.flushConsole();
        if (!status.success()) throw new Shell.CommandFailed("pid " + p.pid() + " (" + p.name() + ") " + status.reason());
    }

    private String installForRun(Path jar) throws InterruptedException {
        try {
            BundleJars.Manifested m = BundleJars.inspect(jar);
            BundleJars.installOrUpdate(kernel.framework(), "kosh-run:" + jar.toAbsolutePath(), jar);
            return m.symbolicName();
        } catch (BundleJars.Refused r) {
            throw new Shell.CommandFailed(jar + ": " + r.getMessage());
        }
    }

    private void services(List<String> args) {
        noArgs("services", args);
        out.printf("%-16s %-8s %5s %8s  %s%n", "SERVICE", "STATE", "PID", "RESTARTS", "LAST EXIT");
        for (ServiceStatus s : kernel.init().services()) {
            out.printf("%-16s %-8s %5s %8d  %s%n", s.name(), s.state().label(), s.pid() == 0 ? "-" : Integer.toString(s.pid()),
                    s.restarts(), s.lastExit());
        }
    }

    private void lsdrv(List<String> args) {
        noArgs("lsdrv", args);
        out.printf("%-12s %-24s %5s %-10s %9s %6s %8s  %s%n", "DRIVER", "BUNDLE", "PID", "STATE", "REQUESTS", "FAULTS", "RESTARTS", "CLASS/ERROR");
        for (DriverInfo d : kernel.drivers().list()) {
            String detail = d.capabilities() != null ? d.capabilities().deviceClass() + " " + d.capabilities().operations().stream().sorted().toList() : d.lastError();
            out.printf("%-12s %-24s %5s %-10s %9d %6d %8d  %s%n", d.name(), d.bundle(), d.pid() == 0 ? "-" : Integer.toString(d.pid()),
                    d.state().label(), d.requests(), d.faults(), d.restarts(), detail);
        }
    }

    private void insdrv(List<String> args) throws Exception {
        if (args.size() != 1) throw new Shell.CommandFailed("usage: insdrv JAR");
        Path jar = Path.of(args.getFirst());
        switch (kernel.installDriver(jar, "kosh-insdrv:" + jar.toAbsolutePath())) {
            case SysResult.Ok<DriverInfo> ok -> out.println("driver " + ok.value().name() + " running as pid " + ok.value().pid());
            case SysResult.Err<DriverInfo> err -> throw new Shell.CommandFailed(err.message());
        }
    }

    private void rmdrv(List<String> args) throws Exception {
        if (args.size() != 1) throw new Shell.CommandFailed("usage: rmdrv NAME");
        String name = args.getFirst();
        DriverInfo info = kernel.drivers().list().stream().filter(d -> d.name().equals(name)).findFirst()
                .orElseThrow(() -> new Shell.CommandFailed("no driver " + name));
        if (kernel.drivers().stop(name, kernel.config().stopTimeout()) instanceof SysResult.Err<DriverInfo> err) {
            throw new Shell.CommandFailed(err.message());
        }
        Optional<Bundle> b = kernel.framework().bundle(info.bundle());
        if (b.isPresent() && b.get().getLocation().startsWith("kosh-insdrv:")) BundleJars.uninstallQuietly(kernel.framework(), b.get());
        out.println("driver " + name + " stopped");
    }

    private void lsdev(List<String> args) {
        noArgs("lsdev", args);
        List<dev.kosh.driver.DeviceInfo> devices = kernel.drivers().devices().lsdev();
        if (devices.isEmpty()) {
            out.println("(no devices: the platform layer found none on this host)");
            return;
        }
        for (dev.kosh.driver.DeviceInfo d : devices) out.println(d.line());
    }

    private void crashdump(List<String> args) {
        if (args.size() != 1) throw new Shell.CommandFailed("usage: crashdump NAME");
        String name = args.getFirst();
        if (kernel.drivers().list().stream().noneMatch(d -> d.name().equals(name))) throw new Shell.CommandFailed("no driver " + name);
        out.println(kernel.drivers().crashDump(name).map(dev.kosh.driver.CrashDump::format).orElse("driver " + name + " has not crashed"));
    }

    private void drvcall(List<String> args) throws Exception {
        if (args.size() < 2) throw new Shell.CommandFailed("usage: drvcall NAME OP [TEXT]");
        byte[] payload = args.size() > 2 ? String.join(" ", args.subList(2, args.size())).getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (args.get(1).equals("read") && args.size() == 3) {
            payload = java.nio.ByteBuffer.allocate(4).putInt(Integer.parseInt(args.get(2))).array();
        }
        DriverResponse r = switch (kernel.drivers().call(args.getFirst(), DriverRequest.of(args.get(1), payload), DRIVER_TIMEOUT)) {
            case SysResult.Ok<DriverResponse> ok -> ok.value();
            case SysResult.Err<DriverResponse> err -> throw new Shell.CommandFailed(err.message());
        };
        switch (r) {
            case DriverResponse.Ok ok -> out.println("ok " + ok.payload().length + " bytes: " + render(ok.payload()));
            case DriverResponse.Failed f -> throw new Shell.CommandFailed(f.error().code() + ": " + f.error().message());
        }
    }

    private static String render(byte[] b) {
        String text = new String(b, StandardCharsets.UTF_8);
        boolean printable = text.chars().allMatch(c -> c >= 32 && c < 127);
        if (printable) return text;
        byte[] head = b.length > 32 ? java.util.Arrays.copyOf(b, 32) : b;
        return HexFormat.ofDelimiter(" ").formatHex(head) + (b.length > 32 ? " ..." : "");
    }

    private void dmesg(List<String> args) {
        int bootsAgo = 0, lines = 200;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if ((a.equals("-b") || a.equals("-n")) && i + 1 < args.size()) {
                int n;
                try {
                    n = Integer.parseInt(args.get(++i));
                } catch (NumberFormatException e) {
                    throw new Shell.CommandFailed(a + " needs a number, not '" + args.get(i) + "'");
                }
                if (n < 0 || (a.equals("-n") && n == 0)) throw new Shell.CommandFailed(a + " must be " + (a.equals("-n") ? "positive" : "0 or more"));
                if (a.equals("-b")) bootsAgo = n; else lines = n;
            } else {
                throw new Shell.CommandFailed("usage: dmesg [-b N] [-n LINES]");
            }
        }
        int boot = kernel.journal().boot() - bootsAgo;
        if (boot < 1) throw new Shell.CommandFailed("there is no boot " + bootsAgo + " boots ago (this is boot " + kernel.journal().boot() + ")");
        List<JournalEntry> entries = kernel.journal().read(bootsAgo, lines);
        if (entries.isEmpty()) {
            out.println("(no journal entries for boot " + boot + ")");
            return;
        }
        Instant first = entries.getFirst().time();
        out.println("-- boot " + boot + " --");
        for (JournalEntry e : entries) out.println(e.format(first));
    }

    private void caps(List<String> args) {
        if (args.size() != 1) throw new Shell.CommandFailed("usage: caps PID");
        int pid = parsePid(args.getFirst());
        List<CapabilityInfo> table = switch (kernel.processes().capabilities(pid)) {
            case SysResult.Ok<List<CapabilityInfo>> ok -> ok.value();
            case SysResult.Err<List<CapabilityInfo>> err -> throw new Shell.CommandFailed(err.message());
        };
        out.printf("%6s %-13s %-34s %-9s %8s %6s%n", "HANDLE", "TYPE", "OBJECT", "RIGHTS", "BADGE", "FROM");
        for (CapabilityInfo c : table) {
            out.printf("%6d %-13s %-34s %-9s %8s %6s%n", c.handle(), c.type().name().toLowerCase(java.util.Locale.ROOT),
                    "#" + c.objectId() + " " + c.object(), c.rights(), c.badge() == 0 ? "-" : Long.toString(c.badge()),
                    c.derivedFrom() == 0 ? "-" : Integer.toString(c.derivedFrom()));
        }
        // Named grants (console, spawn, service:NAME...) are capabilities decided at spawn, not objects yet.
        String grants = kernel.processes().get(pid).map(p -> p.capabilities().toString()).orElse("");
        out.println(table.size() + " capabilit" + (table.size() == 1 ? "y" : "ies") + "; grants: " + (grants.isEmpty() ? "none" : grants));
    }

    private void ipcstat(List<String> args) {
        noArgs("ipcstat", args);
        IpcKernel ipc = kernel.ipc();
        if (ipc == null) throw new Shell.CommandFailed("the IPC kernel is not installed");
        List<String> errors = new ArrayList<>();
        for (Errno e : Errno.values()) if (ipc.failures(e) > 0) errors.add(e.name() + " " + ipc.failures(e));
        out.println("calls " + ipc.calls() + ", failed system calls: " + (errors.isEmpty() ? "none" : String.join(", ", errors)));
        Map<String, Integer> services = ipc.directory().registrations();
        out.println("services: " + (services.isEmpty() ? "none" : services.entrySet().stream()
                .map(e -> e.getKey() + " (pid " + e.getValue() + ")").collect(java.util.stream.Collectors.joining(", "))));
        out.printf("%6s %-12s %4s %11s %10s  %s%n", "ID", "TYPE", "CAPS", "DEPTH/CAP", "MESSAGES", "OBJECT");
        for (IpcKernel.ObjectStat s : ipc.stats()) {
            out.printf("%6d %-12s %4d %11s %10d  %s%n", s.id(), s.type(), s.capabilities(),
                    s.capacity() == 0 ? "-" : s.depth() + "/" + s.capacity(), s.messages(), s.description());
        }
    }

    private void meminfo(List<String> args) {
        noArgs("meminfo", args);
        out.println(kernel.memory().stats().format());
        ProcessMemory vm = kernel.processMemory();
        if (vm != null) out.println(vm.formatStats());
    }

    private void pmap(List<String> args) {
        if (args.size() != 1) throw new Shell.CommandFailed("usage: pmap PID");
        int pid = parsePid(args.getFirst());
        KoshProcess p = kernel.processes().get(pid).orElseThrow(() -> new Shell.CommandFailed("no process " + pid));
        ProcessMemory vm = kernel.processMemory();
        var space = vm == null ? Optional.<dev.kosh.memory.VirtualAddressSpace>empty() : vm.space(pid);
        if (space.isEmpty()) throw new Shell.CommandFailed("pid " + pid + " (" + p.name() + ") has no address space");
        String map;
        String limits;
        try {
            var v = space.get();
            map = v.pmap().format();
            limits = String.format("quota %d kB (resident + tables), swap quota %d kB; heap break 0x%x",
                    v.frameQuota() * 4, v.swapQuota() * 4, v.heapBreak());
        } catch (IllegalStateException reaped) { // closed between the lookup and the walk
            throw new Shell.CommandFailed("no process " + pid);
        }
        out.println(pid + ": " + p.name() + " (space " + space.get().id() + ")");
        out.print(map);
        out.println(limits);
    }

    private void uptime(List<String> args) {
        noArgs("uptime", args);
        Duration up = Duration.between(kernel.jvmStart(), Instant.now());
        out.printf("up %d:%02d:%02d, boot %d, %d processes, ready in %d ms%n", up.toHours(), up.toMinutesPart(), up.toSecondsPart(),
                kernel.journal().boot(), kernel.processes().size(), kernel.readyMillis());
    }

    private void shutdown(List<String> args) {
        noArgs("shutdown", args);
        out.println("kosh: shutting down");
        kernel.close();
    }
}
