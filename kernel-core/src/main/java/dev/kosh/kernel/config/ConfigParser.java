package dev.kosh.kernel.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.kosh.kernel.process.Priority;
import dev.kosh.kernel.process.ProcessLimits;

/**
 * Parses {@code system.conf}: an INI-like file of {@code [kernel]}, {@code [driver NAME]} and
 * {@code [service NAME]} sections holding {@code key = value} lines; {@code #} starts a comment.
 * Every problem is reported with the file and line, and the first problem stops the parse: a
 * half-understood system configuration is worse than none.
 */
public final class ConfigParser {
    private static final Pattern SECTION = Pattern.compile("\\[\\s*([a-z]+)(?:\\s+([^\\]\\s]+))?\\s*]");
    private static final Pattern KEY_VALUE = Pattern.compile("([a-z][a-z0-9.-]*)\\s*=\\s*(.*)");
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");
    private static final Pattern CAPABILITY = Pattern.compile("[a-z0-9][a-z0-9._-]*(:[a-z0-9][a-z0-9._-]*)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgKMG]?)(?:i?[bB])?");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");
    private static final Pattern RESTART_LIMIT = Pattern.compile("(\\d+)\\s+in\\s+(.+)");

    private static final Set<String> KERNEL_KEYS = Set.of("memory", "http.bind", "http.port", "stop-timeout", "deploy.capabilities",
            "driver.bundles", "driver.signatures", "trust-store", "threads", "heap.soft", "heap.hard", "heap.window",
            "memory.quota", "swap.quota", "driver.request-retention");
    private static final Set<String> DRIVER_KEYS = Set.of("bundle", "capabilities", "essential", "threads", "heap.soft", "heap.hard",
            "restart-limit", "block.file", "block.size", "block.direct", "block.queue-depth", "memory.quota", "swap.quota",
            "request-deadline");
    private static final Set<String> SERVICE_KEYS = Set.of("program", "args", "after", "restart", "restart-limit",
            "priority", "capabilities", "essential", "threads", "heap.soft", "heap.hard", "memory.quota", "swap.quota");
    private static final int MAX_THREADS = 10_000;
    private static final long MAX_HEAP_BUDGET = 1L << 40;

    private final String file;

    private ConfigParser(String file) {
        this.file = file;
    }

    public static SystemConfig parse(Path path) throws ConfigException {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(path.toString(), 0, "cannot read: " + e.getMessage());
        }
        return parse(path.toString(), text);
    }

    public static SystemConfig parse(String file, String text) throws ConfigException {
        return new ConfigParser(file).parse(text);
    }

    /** One section as written, before its values are interpreted. */
    private record Section(String kind, String name, int line, Map<String, Value> values) {}

    private record Value(String text, int line) {}

    private SystemConfig parse(String text) throws ConfigException {
        List<Section> sections = new ArrayList<>();
        Section current = null;
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = stripComment(lines[i]).strip();
            if (line.isEmpty()) continue;
            if (line.startsWith("[")) {
                current = section(line, lineNo, sections);
                sections.add(current);
                continue;
            }
            Matcher kv = KEY_VALUE.matcher(line);
            if (!kv.matches()) {
                throw new ConfigException(file, lineNo, "expected 'key = value' or '[section]', found '" + line + "'");
            }
            if (current == null) {
                throw new ConfigException(file, lineNo, "'" + kv.group(1) + "' is outside any section; start with [kernel], [driver NAME] or [service NAME]");
            }
            String key = kv.group(1);
            Set<String> known = switch (current.kind()) {
                case "kernel" -> KERNEL_KEYS;
                case "driver" -> DRIVER_KEYS;
                default -> SERVICE_KEYS;
            };
            if (!known.contains(key)) {
                throw new ConfigException(file, lineNo, "unknown key '" + key + "' in " + describe(current)
                        + " (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
            }
            if (current.values().containsKey(key)) {
                throw new ConfigException(file, lineNo, "'" + key + "' is set twice in " + describe(current)
                        + " (first on line " + current.values().get(key).line() + ")");
            }
            current.values().put(key, new Value(kv.group(2).strip(), lineNo));
        }
        return build(sections);
    }

    private static String stripComment(String line) {
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\') {
                i++; // an escaped character (\" in args) neither opens a quote nor starts a comment
                continue;
            }
            if (c == '"') quoted = !quoted;
            if (c == '#' && !quoted && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    private Section section(String line, int lineNo, List<Section> seen) throws ConfigException {
        Matcher m = SECTION.matcher(line);
        if (!m.matches()) {
            throw new ConfigException(file, lineNo, "malformed section header '" + line + "'; expected [kernel], [driver NAME] or [service NAME]");
        }
        String kind = m.group(1);
        String name = m.group(2);
        switch (kind) {
            case "kernel" -> {
                if (name != null) throw new ConfigException(file, lineNo, "[kernel] takes no name");
            }
            case "driver", "service" -> {
                if (name == null) throw new ConfigException(file, lineNo, "[" + kind + "] needs a name, as in [" + kind + " example]");
                if (!NAME.matcher(name).matches()) {
                    throw new ConfigException(file, lineNo, "invalid " + kind + " name '" + name + "': use lower-case letters, digits, '.', '_' and '-'");
                }
            }
            default -> throw new ConfigException(file, lineNo, "unknown section kind '" + kind + "'; expected kernel, driver or service");
        }
        for (Section s : seen) {
            boolean sameName = name != null && name.equals(s.name()) && !s.kind().equals("kernel");
            if ((kind.equals("kernel") && s.kind().equals("kernel")) || sameName) {
                throw new ConfigException(file, lineNo, "duplicate section " + (name == null ? "[kernel]" : "'" + name + "'")
                        + " (first on line " + s.line() + ")");
            }
        }
        return new Section(kind, name, lineNo, new LinkedHashMap<>());
    }

    private static String describe(Section s) {
        return s.name() == null ? "[" + s.kind() + "]" : "[" + s.kind() + " " + s.name() + "]";
    }

    private SystemConfig build(List<Section> sections) throws ConfigException {
        long memory = SystemConfig.DEFAULT_MEMORY;
        String bind = "127.0.0.1";
        int port = SystemConfig.DEFAULT_HTTP_PORT;
        Duration stopTimeout = SystemConfig.DEFAULT_STOP_TIMEOUT;
        Set<String> deployCaps = SystemConfig.DEFAULT_DEPLOY_CAPABILITIES;
        List<String> driverBundles = SystemConfig.DEFAULT_DRIVER_BUNDLES;
        boolean signaturesRequired = false;
        String trustStore = "";
        Duration requestRetention = SystemConfig.DEFAULT_DRIVER_REQUEST_RETENTION;
        List<DriverSpec> drivers = new ArrayList<>();
        List<ServiceSpec> services = new ArrayList<>();
        // The [kernel] defaults first: a section's quotas inherit them wherever [kernel] is in the file.
        ProcessLimits defaults = ProcessLimits.DEFAULT;
        for (Section s : sections) {
            if (s.kind().equals("kernel")) {
                Value window = s.values().get("heap.window");
                if (window != null) defaults = new ProcessLimits(defaults.threads(), 0, 0, duration(window));
                defaults = limits(s, defaults);
            }
        }
        MemoryQuota memoryDefaults = MemoryQuota.DEFAULT;
        for (Section s : sections) {
            if (s.kind().equals("kernel")) memoryDefaults = memoryQuota(s, memoryDefaults);
        }
        Map<String, MemoryQuota> serviceQuotas = new LinkedHashMap<>();
        Map<String, MemoryQuota> driverQuotas = new LinkedHashMap<>();
        for (Section s : sections) {
            if (s.kind().equals("service")) serviceQuotas.put(s.name(), memoryQuota(s, memoryDefaults));
            if (s.kind().equals("driver")) driverQuotas.put(s.name(), memoryQuota(s, memoryDefaults));
        }
        for (Section s : sections) {
            Map<String, Value> v = s.values();
            switch (s.kind()) {
                case "kernel" -> {
                    if (v.containsKey("memory")) memory = size(v.get("memory"), 16L << 20, 64L << 30);
                    if (v.containsKey("http.bind")) bind = v.get("http.bind").text();
                    if (v.containsKey("http.port")) port = integer(v.get("http.port"), 0, 65535);
                    if (v.containsKey("stop-timeout")) stopTimeout = duration(v.get("stop-timeout"));
                    if (v.containsKey("deploy.capabilities")) deployCaps = capabilities(v.get("deploy.capabilities"));
                    if (v.containsKey("driver.bundles")) driverBundles = patterns(v.get("driver.bundles"));
                    if (v.containsKey("driver.signatures")) signaturesRequired = signaturePolicy(v.get("driver.signatures"));
                    if (v.containsKey("trust-store")) trustStore = v.get("trust-store").text();
                    if (v.containsKey("driver.request-retention")) requestRetention = requestRetention(v.get("driver.request-retention"));
                }
                case "driver" -> drivers.add(new DriverSpec(s.name(),
                        required(s, "bundle").text(),
                        capabilities(v.get("capabilities")),
                        bool(v.get("essential"), false),
                        limits(s, defaults),
                        restart(null, v.get("restart-limit")),
                        s.line(),
                        blockBacking(s),
                        requestDeadline(v.get("request-deadline"))));
                default -> services.add(new ServiceSpec(s.name(),
                        required(s, "program").text(),
                        v.containsKey("args") ? arguments(v.get("args")) : List.of(),
                        List.copyOf(list(v.get("after"))),
                        restart(v.get("restart"), v.get("restart-limit")),
                        priority(v.get("priority")),
                        capabilities(v.get("capabilities")),
                        bool(v.get("essential"), false),
                        limits(s, defaults),
                        s.line()));
            }
        }
        if (signaturesRequired && trustStore.isEmpty()) {
            Section kernel = sections.stream().filter(s -> s.kind().equals("kernel")).findFirst().orElseThrow();
            throw new ConfigException(file, kernel.values().get("driver.signatures").line(),
                    "driver.signatures = required needs 'trust-store = PATH' (a PKCS12 key store of the trusted signers)");
        }
        return new SystemConfig(file, memory, bind, port, stopTimeout, deployCaps, driverBundles, defaults, signaturesRequired,
                trustStore, drivers, startOrder(services, drivers), new MemoryQuotas(memoryDefaults, serviceQuotas, driverQuotas),
                requestRetention);
    }

    /** {@code memory.quota} (16K .. 64G) and {@code swap.quota} (0 .. 64G) of a section over {@code inherited}, in 4 KiB pages. */
    private MemoryQuota memoryQuota(Section s, MemoryQuota inherited) throws ConfigException {
        Map<String, Value> v = s.values();
        long frames = inherited.frames();
        long swap = inherited.swapPages();
        if (v.containsKey("memory.quota")) {
            Value q = v.get("memory.quota");
            long bytes = size(q, MemoryQuota.MIN_FRAMES * 4096, 64L << 30);
            if (bytes % 4096 != 0) throw new ConfigException(file, q.line(), "memory.quota " + q.text() + " is not a multiple of 4K");
            frames = bytes / 4096;
        }
        if (v.containsKey("swap.quota")) {
            Value q = v.get("swap.quota");
            long bytes = q.text().equalsIgnoreCase("off") ? 0 : size(q, 0, 64L << 30);
            if (bytes % 4096 != 0) throw new ConfigException(file, q.line(), "swap.quota " + q.text() + " is not a multiple of 4K");
            swap = bytes / 4096;
        }
        return new MemoryQuota(frames, swap);
    }

    /** {@code threads}, {@code heap.soft} and {@code heap.hard} of a section over {@code inherited}; soft above hard is a mistake. */
    private ProcessLimits limits(Section s, ProcessLimits inherited) throws ConfigException {
        Map<String, Value> v = s.values();
        int threads = v.containsKey("threads") ? integer(v.get("threads"), 1, MAX_THREADS) : inherited.threads();
        long soft = v.containsKey("heap.soft") ? budget(v.get("heap.soft")) : inherited.heapSoft();
        long hard = v.containsKey("heap.hard") ? budget(v.get("heap.hard")) : inherited.heapHard();
        if (soft > 0 && hard > 0 && soft > hard) {
            Value at = v.containsKey("heap.soft") ? v.get("heap.soft") : v.get("heap.hard");
            String from = v.containsKey("heap.soft") && v.containsKey("heap.hard") ? "" : " (one of them from [kernel]: set both here)";
            throw new ConfigException(file, at.line(), "heap.soft (" + soft + " bytes) is above heap.hard (" + hard + " bytes) in " + describe(s) + from);
        }
        return new ProcessLimits(threads, soft, hard, inherited.heapWindow());
    }

    /** An allocation budget: a size (1M or more), or {@code off} / {@code 0} for none. */
    private long budget(Value v) throws ConfigException {
        String t = v.text().toLowerCase(Locale.ROOT);
        if (t.equals("off") || t.equals("0")) return 0;
        return size(v, 1L << 20, MAX_HEAP_BUDGET);
    }

    private boolean signaturePolicy(Value v) throws ConfigException {
        return switch (v.text()) {
            case "required" -> true;
            case "off" -> false;
            default -> throw new ConfigException(file, v.line(), "driver.signatures must be required or off, found '" + v.text() + "'");
        };
    }

    private Value required(Section s, String key) throws ConfigException {
        Value v = s.values().get(key);
        if (v == null || v.text().isEmpty()) {
            throw new ConfigException(file, s.line(), describe(s) + " needs '" + key + " = ...'");
        }
        return v;
    }

    /** Orders services so that each comes after what it names in {@code after}; rejects unknown names and cycles. */
    private List<ServiceSpec> startOrder(List<ServiceSpec> services, List<DriverSpec> drivers) throws ConfigException {
        Map<String, ServiceSpec> byName = new LinkedHashMap<>();
        services.forEach(s -> byName.put(s.name(), s));
        Set<String> driverNames = new HashSet<>();
        drivers.forEach(d -> driverNames.add(d.name()));
        for (ServiceSpec s : services) {
            for (String dep : s.after()) {
                if (dep.equals(s.name())) throw new ConfigException(file, s.line(), "service '" + s.name() + "' cannot start after itself");
                if (!byName.containsKey(dep) && !driverNames.contains(dep)) {
                    throw new ConfigException(file, s.line(), "service '" + s.name() + "' starts after '" + dep + "', which is neither a service nor a driver here");
                }
            }
        }
        List<ServiceSpec> ordered = new ArrayList<>();
        Set<String> done = new HashSet<>();
        for (ServiceSpec s : services) visit(s, byName, done, new LinkedHashSet<>(), ordered);
        return ordered;
    }

    private void visit(ServiceSpec s, Map<String, ServiceSpec> byName, Set<String> done,
                       LinkedHashSet<String> path, List<ServiceSpec> out) throws ConfigException {
        if (done.contains(s.name())) return;
        if (!path.add(s.name())) {
            List<String> cycle = new ArrayList<>(path);
            cycle = cycle.subList(cycle.indexOf(s.name()), cycle.size());
            throw new ConfigException(file, s.line(), "dependency cycle: " + String.join(" -> ", cycle) + " -> " + s.name());
        }
        for (String dep : s.after()) {
            ServiceSpec d = byName.get(dep);
            if (d != null) visit(d, byName, done, path, out);
        }
        path.remove(s.name());
        done.add(s.name());
        out.add(s);
    }

    private long size(Value v, long min, long max) throws ConfigException {
        Matcher m = SIZE.matcher(v.text());
        if (!m.matches()) throw new ConfigException(file, v.line(), "expected a size such as 256M or 1G, found '" + v.text() + "'");
        long n = parseLong(m.group(1), v.text(), v.line());
        int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            default -> 0;
        };
        if (n > (Long.MAX_VALUE >> shift)) throw new ConfigException(file, v.line(), "size too large: " + v.text());
        long bytes = n << shift;
        if (bytes < min || bytes > max) {
            throw new ConfigException(file, v.line(), "size " + v.text() + " out of range (" + (min >> 20) + "M to " + (max >> 30) + "G)");
        }
        return bytes;
    }

    /** Digits the patterns matched can still overflow a long: that is a problem in the file, not a crash. */
    private long parseLong(String digits, String text, int line) throws ConfigException {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new ConfigException(file, line, "number too large: " + text);
        }
    }

    private int integer(Value v, int min, int max) throws ConfigException {
        try {
            int n = Integer.parseInt(v.text());
            if (n < min || n > max) throw new ConfigException(file, v.line(), v.text() + " is out of range " + min + ".." + max);
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException(file, v.line(), "expected a number, found '" + v.text() + "'");
        }
    }

    /** A driver's request deadline: a positive duration, or absent for the driver manager's default. */
    private java.util.Optional<Duration> requestDeadline(Value v) throws ConfigException {
        if (v == null) return java.util.Optional.empty();
        return java.util.Optional.of(duration(v)); // duration() refuses zero and negative values
    }

    /** {@code driver.request-retention}: at least the request journal's shortest cycle, 5 minutes. */
    private Duration requestRetention(Value v) throws ConfigException {
        Duration d = duration(v);
        if (d.compareTo(Duration.ofMinutes(5)) < 0) {
            throw new ConfigException(file, v.line(), "driver.request-retention must be at least 5m (the request journal's shortest cycle), found '"
                    + v.text() + "'");
        }
        return d;
    }

    private Duration duration(Value v) throws ConfigException {
        return duration(v.text(), v.line());
    }

    private Duration duration(String text, int line) throws ConfigException {
        Matcher m = DURATION.matcher(text.strip());
        if (!m.matches()) throw new ConfigException(file, line, "expected a duration such as 500ms, 2s, 1m, found '" + text + "'");
        long n = parseLong(m.group(1), text, line);
        Duration d;
        try {
            d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
            d.toNanos(); // the kernel waits in nanoseconds: a longer duration is unusable
        } catch (ArithmeticException e) {
            throw new ConfigException(file, line, "duration too large: " + text);
        }
        if (d.isZero()) throw new ConfigException(file, line, "duration must be greater than zero");
        return d;
    }

    /** The {@code block.*} keys of a driver section: {@code block.file} is required once any of them is set. */
    private Optional<BlockBackingSpec> blockBacking(Section s) throws ConfigException {
        Map<String, Value> v = s.values();
        if (v.keySet().stream().noneMatch(k -> k.startsWith("block."))) return Optional.empty();
        Value file = v.get("block.file");
        if (file == null || file.text().isEmpty()) {
            int line = v.entrySet().stream().filter(e -> e.getKey().startsWith("block.")).mapToInt(e -> e.getValue().line()).min().orElse(s.line());
            throw new ConfigException(this.file, line, describe(s) + " sets block.* keys but no block.file (the backing file or device)");
        }
        long size = 0;
        Value sizeValue = v.get("block.size");
        if (sizeValue != null) {
            size = size(sizeValue, 4096, 1L << 50);
            if (size % 4096 != 0) throw new ConfigException(this.file, sizeValue.line(), "block.size must be a multiple of 4096 bytes, was " + size);
        }
        BlockBackingSpec.Direct direct = BlockBackingSpec.Direct.AUTO;
        Value d = v.get("block.direct");
        if (d != null) {
            direct = switch (d.text().toLowerCase(Locale.ROOT)) {
                case "auto" -> BlockBackingSpec.Direct.AUTO;
                case "on", "true", "yes" -> BlockBackingSpec.Direct.ON;
                case "off", "false", "no" -> BlockBackingSpec.Direct.OFF;
                default -> throw new ConfigException(this.file, d.line(), "block.direct must be auto, on or off, found '" + d.text() + "'");
            };
        }
        Value qd = v.get("block.queue-depth");
        int depth = qd == null ? BlockBackingSpec.DEFAULT_QUEUE_DEPTH : integer(qd, 1, 4096);
        return Optional.of(new BlockBackingSpec(file.text(), size, direct, depth));
    }

    private boolean bool(Value v, boolean otherwise) throws ConfigException {
        if (v == null) return otherwise;
        return switch (v.text().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new ConfigException(file, v.line(), "expected true or false, found '" + v.text() + "'");
        };
    }

    /** Capability grants: names, or {@code service:NAME} for the right to look up a service. */
    private Set<String> capabilities(Value v) throws ConfigException {
        Set<String> caps = new LinkedHashSet<>();
        if (v == null || v.text().isEmpty()) return caps;
        for (String item : v.text().split("[,\\s]+")) {
            if (item.isEmpty()) continue;
            if (!CAPABILITY.matcher(item).matches()) {
                throw new ConfigException(file, v.line(), "invalid capability '" + item + "': a name, or service:NAME");
            }
            if (!caps.add(item)) throw new ConfigException(file, v.line(), "'" + item + "' is listed twice");
        }
        return caps;
    }

    private Set<String> list(Value v) throws ConfigException {
        if (v == null || v.text().isEmpty()) return Set.of();
        Set<String> items = new LinkedHashSet<>();
        for (String item : v.text().split("[,\\s]+")) {
            if (item.isEmpty()) continue;
            if (!NAME.matcher(item).matches()) throw new ConfigException(file, v.line(), "invalid name '" + item + "' in list");
            if (!items.add(item)) throw new ConfigException(file, v.line(), "'" + item + "' is listed twice");
        }
        return items;
    }

    /** Bundle name patterns: symbolic names, or prefixes ending in {@code .*}. */
    private List<String> patterns(Value v) throws ConfigException {
        List<String> out = new ArrayList<>();
        for (String item : v.text().split("[,\\s]+")) {
            if (item.isEmpty()) continue;
            String name = item.endsWith(".*") ? item.substring(0, item.length() - 2) : item;
            if (!name.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*")) {
                throw new ConfigException(file, v.line(), "invalid bundle pattern '" + item + "': a symbolic name, or a prefix ending in .*");
            }
            out.add(item);
        }
        return out;
    }

    private RestartPolicy restart(Value mode, Value limit) throws ConfigException {
        RestartPolicy.Mode m = RestartPolicy.DEFAULT.mode();
        if (mode != null) {
            m = switch (mode.text()) {
                case "never" -> RestartPolicy.Mode.NEVER;
                case "on-failure" -> RestartPolicy.Mode.ON_FAILURE;
                case "always" -> RestartPolicy.Mode.ALWAYS;
                default -> throw new ConfigException(file, mode.line(), "restart must be never, on-failure or always, found '" + mode.text() + "'");
            };
        }
        int max = RestartPolicy.DEFAULT.maxRestarts();
        Duration window = RestartPolicy.DEFAULT.window();
        if (limit != null) {
            Matcher lm = RESTART_LIMIT.matcher(limit.text());
            if (!lm.matches()) throw new ConfigException(file, limit.line(), "restart-limit must look like '5 in 60s', found '" + limit.text() + "'");
            max = integer(new Value(lm.group(1), limit.line()), 0, 1000);
            window = duration(lm.group(2), limit.line());
        }
        return new RestartPolicy(m, max, window);
    }

    private Priority priority(Value v) throws ConfigException {
        if (v == null) return Priority.NORMAL;
        return Priority.parse(v.text()).orElseThrow(() -> new ConfigException(file, v.line(),
                "priority must be one of realtime, interactive, normal, background; found '" + v.text() + "'"));
    }

    /** Splits on white space; double quotes group words, a backslash escapes the next character. */
    private List<String> arguments(Value v) throws ConfigException {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false, any = false;
        String t = v.text();
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c == '\\' && i + 1 < t.length()) {
                cur.append(t.charAt(++i));
                any = true;
            } else if (c == '"') {
                quoted = !quoted;
                any = true;
            } else if (Character.isWhitespace(c) && !quoted) {
                if (any) out.add(cur.toString());
                cur.setLength(0);
                any = false;
            } else {
                cur.append(c);
                any = true;
            }
        }
        if (quoted) throw new ConfigException(file, v.line(), "unterminated quote in args");
        if (any) out.add(cur.toString());
        return out;
    }

    /** Exposed for the shell's {@code run}, which splits arguments the same way. */
    public static List<String> splitArguments(String text) throws ConfigException {
        return new ConfigParser("(arguments)").arguments(new Value(text, 0));
    }

}
