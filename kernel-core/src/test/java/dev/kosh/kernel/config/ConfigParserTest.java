package dev.kosh.kernel.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

import dev.kosh.kernel.process.Priority;

@Timeout(10)
class ConfigParserTest {

    private static SystemConfig parse(String text) throws ConfigException {
        return ConfigParser.parse("test.conf", text);
    }

    /** Parses {@code text}, expecting a problem on {@code line} whose message contains {@code fragment}. */
    private static ConfigException fails(String text, int line, String fragment) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(text));
        assertEquals("test.conf", e.file());
        assertEquals(line, e.line(), e.getMessage());
        assertTrue(e.getMessage().startsWith("test.conf:" + line + ": "), e.getMessage());
        assertTrue(e.problem().contains(fragment), "'" + e.problem() + "' should mention '" + fragment + "'");
        return e;
    }

    @Test
    void theShippedSystemConfParses() throws Exception {
        // The shipped file changes as the system grows; pin what the boot relies on, not its current values.
        SystemConfig c = ConfigParser.parse(Path.of("../config/system.conf"));
        assertEquals("../config/system.conf", c.source());
        Set<String> known = Set.of("console", "log", "spawn", "publish");
        assertTrue(known.containsAll(c.deployCapabilities()), c.deployCapabilities().toString());
        assertFalse(c.services().isEmpty(), "init has services to start");
        Set<String> seen = new java.util.HashSet<>();
        c.drivers().forEach(d -> seen.add(d.name()));
        for (ServiceSpec s : c.services()) {
            assertFalse(s.program().isBlank());
            assertTrue(known.containsAll(s.capabilities()), s.name() + " " + s.capabilities());
            assertTrue(seen.containsAll(s.after()), s.name() + " starts after what came before it: " + s.after());
            seen.add(s.name());
        }
    }

    @Test
    void anUnreadableFileIsReportedWithItsName() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse(Path.of("no/such/system.conf")));
        assertEquals(0, e.line());
        assertTrue(e.getMessage().startsWith("no/such/system.conf: cannot read"), e.getMessage());
    }

    @Test
    void emptyFileGivesTheDefaults() throws Exception {
        SystemConfig c = parse("# nothing\n\n");
        assertEquals(SystemConfig.DEFAULT_MEMORY, c.memoryBytes());
        assertEquals(SystemConfig.DEFAULT_HTTP_PORT, c.httpPort());
        assertEquals(SystemConfig.DEFAULT_STOP_TIMEOUT, c.stopTimeout());
        assertEquals(List.of(), c.services());
    }

    @Test
    void serviceDefaultsApplyWhenKeysAreLeftOut() throws Exception {
        ServiceSpec s = parse("[service a]\nprogram = p\n").services().getFirst();
        assertEquals(RestartPolicy.DEFAULT, s.restart());
        assertEquals(Priority.NORMAL, s.priority());
        assertEquals(Set.of(), s.capabilities());
        assertFalse(s.essential());
        assertEquals(1, s.line());
    }

    @Test
    void sizesDurationsAndBooleansAcceptTheirSpellings() throws Exception {
        assertEquals(1L << 30, parse("[kernel]\nmemory = 1G\n").memoryBytes());
        assertEquals(64L << 20, parse("[kernel]\nmemory = 64MiB\n").memoryBytes());
        assertEquals(32L << 20, parse("[kernel]\nmemory = 32768k\n").memoryBytes());
        assertEquals(Duration.ofMillis(500), parse("[kernel]\nstop-timeout = 500ms\n").stopTimeout());
        assertEquals(Duration.ofMinutes(1), parse("[kernel]\nstop-timeout = 1m\n").stopTimeout());
        assertTrue(parse("[service a]\nprogram = p\nessential = yes\n").services().getFirst().essential());
        assertFalse(parse("[service a]\nprogram = p\nessential = off\n").services().getFirst().essential());
        assertEquals(0, parse("[kernel]\nhttp.port = 0\n").httpPort());
    }

    @Test
    void theDriverRequestRetentionDefaultsToAnHourAndIsAtLeastFiveMinutes() throws Exception {
        assertEquals(Duration.ofHours(1), parse("[kernel]\nmemory = 64M\n").driverRequestRetention());
        assertEquals(Duration.ofHours(24), parse("[kernel]\ndriver.request-retention = 24h\n").driverRequestRetention());
        assertEquals(Duration.ofMinutes(5), parse("[kernel]\ndriver.request-retention = 5m\n").driverRequestRetention());
        assertEquals(Duration.ofHours(1), SystemConfig.empty().driverRequestRetention());
        assertEquals(Duration.ofHours(3), parse("[kernel]\ndriver.request-retention = 3h\n").withHttpPort(0).driverRequestRetention());
        fails("[kernel]\ndriver.request-retention = 4m\n", 2, "at least 5m");
        fails("[kernel]\ndriver.request-retention = forever\n", 2, "expected a duration");
    }

    @Test
    void commentsAfterWhiteSpaceAreStrippedButNotInsideQuotesOrWords() throws Exception {
        ServiceSpec s = parse("[service a]  # the a service\nprogram = p # trailing\nargs = \"x # y\" a#b\n").services().getFirst();
        assertEquals("p", s.program());
        assertEquals(List.of("x # y", "a#b"), s.args());
    }

    @Test
    void argumentsSplitOnWhiteSpaceWithQuotesAndEscapes() throws Exception {
        assertEquals(List.of("one", "two words", "", "a\"b", "c d"),
                parse("[service a]\nprogram = p\nargs = one \"two words\" \"\" a\\\"b c\\ d\n").services().getFirst().args());
        assertEquals(List.of("x", "y z"), ConfigParser.splitArguments("  x   \"y z\"  "));
        assertEquals(List.of(), ConfigParser.splitArguments("   "));
    }

    @Test
    void anEscapedQuoteDoesNotHideAComment() throws Exception {
        assertEquals(List.of("a\"b"), parse("[service a]\nprogram = p\nargs = a\\\"b # comment\n").services().getFirst().args());
    }

    @Test
    void windowsLineEndingsAreAccepted() throws Exception {
        assertEquals("p", parse("[service a]\r\nprogram = p\r\n").services().getFirst().program());
    }

    // ---- every error names the file and the line --------------------------------------------

    @Test
    void unknownSectionKind() {
        fails("[kernel]\n\n[daemon x]\n", 3, "unknown section kind 'daemon'");
    }

    @Test
    void malformedSectionHeader() {
        fails("[service a\n", 1, "malformed section header");
        fails("[Service a]\n", 1, "malformed section header");
    }

    @Test
    void sectionNamesAreChecked() {
        fails("[service]\n", 1, "needs a name");
        fails("[kernel x]\n", 1, "takes no name");
        fails("[service A_b]\n", 1, "invalid service name 'A_b'");
    }

    @Test
    void unknownKey() {
        fails("[service a]\nprogram = p\nrestrat = never\n", 3, "unknown key 'restrat' in [service a]");
        fails("[kernel]\nprogram = p\n", 2, "unknown key 'program' in [kernel]");
        fails("[driver d]\nbundle = b\nargs = x\n", 3, "unknown key 'args' in [driver d]");
    }

    @Test
    void duplicateKey() {
        fails("[service a]\nprogram = p\n\nprogram = q\n", 4, "'program' is set twice in [service a] (first on line 2)");
    }

    @Test
    void duplicateSection() {
        fails("[service a]\nprogram = p\n[service a]\nprogram = q\n", 3, "duplicate section 'a' (first on line 1)");
        fails("[kernel]\n[kernel]\n", 2, "duplicate section [kernel]");
        fails("[driver a]\nbundle = b\n[service a]\nprogram = q\n", 3, "duplicate section 'a'");
    }

    @Test
    void missingProgramOrBundle() {
        fails("\n[service a]\nargs = x\n", 2, "[service a] needs 'program = ...'");
        fails("[service a]\nprogram =\n", 1, "needs 'program = ...'");
        fails("[driver d]\ncapabilities = log\n", 1, "[driver d] needs 'bundle = ...'");
    }

    @Test
    void badSize() {
        fails("[kernel]\nmemory = lots\n", 2, "expected a size such as 256M or 1G, found 'lots'");
        fails("[kernel]\nmemory = 1M\n", 2, "out of range");
        fails("[kernel]\nmemory = 65G\n", 2, "out of range");
        fails("[kernel]\nmemory = 99999999999999999999G\n", 2, "number too large");
    }

    @Test
    void badDuration() {
        fails("[kernel]\nstop-timeout = 2\n", 2, "expected a duration such as 500ms");
        fails("[kernel]\nstop-timeout = 0s\n", 2, "greater than zero");
        fails("[kernel]\nstop-timeout = 99999999999999999999h\n", 2, "number too large");
        fails("[kernel]\nstop-timeout = 9999999999999999h\n", 2, "duration too large");
    }

    @Test
    void badNumberAndPort() {
        fails("[kernel]\nhttp.port = http\n", 2, "expected a number, found 'http'");
        fails("[kernel]\nhttp.port = 70000\n", 2, "out of range 0..65535");
    }

    @Test
    void badBool() {
        fails("[service a]\nprogram = p\nessential = maybe\n", 3, "expected true or false, found 'maybe'");
    }

    @Test
    void badPriority() {
        fails("[service a]\nprogram = p\npriority = urgent\n", 3, "priority must be one of realtime, interactive, normal, background; found 'urgent'");
    }

    @Test
    void badRestart() {
        fails("[service a]\nprogram = p\nrestart = sometimes\n", 3, "restart must be never, on-failure or always, found 'sometimes'");
    }

    @Test
    void badRestartLimit() {
        fails("[service a]\nprogram = p\nrestart-limit = 5\n", 3, "restart-limit must look like '5 in 60s'");
        fails("[service a]\nprogram = p\nrestart-limit = 5 in forever\n", 3, "expected a duration");
        fails("[service a]\nprogram = p\nrestart-limit = 5000 in 1s\n", 3, "out of range 0..1000");
    }

    @Test
    void restartLimitIsParsed() throws Exception {
        assertEquals(new RestartPolicy(RestartPolicy.Mode.ALWAYS, 3, Duration.ofSeconds(10)),
                parse("[service a]\nprogram = p\nrestart = always\nrestart-limit = 3 in 10s\n").services().getFirst().restart());
    }

    @Test
    void badNamesInLists() {
        fails("[service a]\nprogram = p\ncapabilities = log, Console\n", 3, "invalid capability 'Console'");
        fails("[service a]\nprogram = p\ncapabilities = log log\n", 3, "'log' is listed twice");
    }

    @Test
    void unknownAfterTarget() {
        fails("[service a]\nprogram = p\nafter = ghost\n", 1, "service 'a' starts after 'ghost', which is neither a service nor a driver");
    }

    @Test
    void startingAfterItselfIsRefused() {
        fails("[service a]\nprogram = p\nafter = a\n", 1, "cannot start after itself");
    }

    @Test
    void dependencyCycleShowsTheCycle() {
        ConfigException e = fails("""
                [service a]
                program = p
                after = c

                [service b]
                program = p
                after = a

                [service c]
                program = p
                after = b
                """, 1, "dependency cycle: a -> c -> b -> a");
        assertTrue(e.getMessage().contains("a -> c -> b -> a"));
    }

    @Test
    void unterminatedQuote() {
        fails("[service a]\nprogram = p\nargs = \"open\n", 3, "unterminated quote");
        assertThrows(ConfigException.class, () -> ConfigParser.splitArguments("\"x"));
    }

    @Test
    void keyOutsideAnySection() {
        fails("# header\nprogram = p\n", 2, "'program' is outside any section");
    }

    @Test
    void lineThatIsNeitherKeyNorSection() {
        fails("[kernel]\nmemory 256M\n", 2, "expected 'key = value' or '[section]'");
    }

    // ---- start order ------------------------------------------------------------------------

    @Test
    void servicesStartAfterTheirDependenciesAndOtherwiseInFileOrder() throws Exception {
        SystemConfig c = parse("""
                [driver disk]
                bundle = d
                [service web]
                program = p
                after = db, disk
                [service log]
                program = p
                [service db]
                program = p
                after = disk
                """);
        assertEquals(List.of("db", "web", "log"), c.services().stream().map(ServiceSpec::name).toList());
        assertEquals(List.of("log", "x"), parse("[service log]\nprogram = p\n[service x]\nprogram = p\n")
                .services().stream().map(ServiceSpec::name).toList());
    }

    /** A random DAG: service i may depend only on services with a higher index, so there is no cycle. */
    private static Gen<List<List<Integer>>> dags() {
        return SourceDSL.integers().between(1, 12).flatMap(n -> SourceDSL.lists()
                .of(SourceDSL.integers().between(0, Integer.MAX_VALUE)).ofSize(n)
                .map(seeds -> {
                    List<List<Integer>> deps = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        List<Integer> d = new ArrayList<>();
                        for (int j = i + 1; j < n; j++) if ((seeds.get(i) >> (j % 31) & 1) == 1) d.add(j);
                        deps.add(d);
                    }
                    return deps;
                }));
    }

    @Test
    void everyServiceStartsAfterItsDependenciesInAnyAcyclicConfiguration() {
        qt().forAll(dags()).checkAssert(deps -> {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < deps.size(); i++) {
                text.append("[service s").append(i).append("]\nprogram = p\n");
                if (!deps.get(i).isEmpty()) {
                    text.append("after = ").append(String.join(", ", deps.get(i).stream().map(j -> "s" + j).toList())).append('\n');
                }
            }
            List<ServiceSpec> order;
            try {
                order = parse(text.toString()).services();
            } catch (ConfigException e) {
                throw new AssertionError(e.getMessage() + "\n" + text, e);
            }
            assertEquals(deps.size(), order.size());
            Map<String, Integer> position = new HashMap<>();
            for (int k = 0; k < order.size(); k++) position.put(order.get(k).name(), k);
            for (int i = 0; i < deps.size(); i++) {
                for (int j : deps.get(i)) {
                    assertTrue(position.get("s" + j) < position.get("s" + i), "s" + j + " before s" + i + " in " + position);
                }
            }
            // services with no dependencies at all, and no dependents, keep their file order
            List<String> free = new ArrayList<>();
            for (int i = 0; i < deps.size(); i++) {
                final int fi = i;
                boolean dependedOn = deps.stream().anyMatch(d -> d.contains(fi));
                if (deps.get(i).isEmpty() && !dependedOn) free.add("s" + i);
            }
            List<String> freeInOrder = order.stream().map(ServiceSpec::name).filter(free::contains).toList();
            assertEquals(free, freeInOrder);
        });
    }

    @Test
    void quotasDefaultToSixtyFourThreadsAndNoAllocationLimit() throws Exception {
        SystemConfig c = parse("[service a]\nprogram = x\n");
        assertEquals(dev.kosh.kernel.process.ProcessLimits.DEFAULT, c.limits());
        assertEquals(dev.kosh.kernel.process.ProcessLimits.DEFAULT, c.services().getFirst().limits());
        assertFalse(c.driverSignaturesRequired());
        assertEquals("", c.trustStore());
    }

    @Test
    void sectionsInheritTheKernelQuotasAndOverrideEachKey() throws Exception {
        // [kernel] after the sections on purpose: the defaults apply wherever it is written.
        SystemConfig c = parse("""
                [service big]
                program = x
                heap.hard = 1G
                [driver d]
                bundle = b
                threads = 4
                heap.soft = off
                [kernel]
                threads = 32
                heap.soft = 64M
                heap.hard = 128M
                heap.window = 500ms
                """);
        var kernel = c.limits();
        assertEquals(32, kernel.threads());
        assertEquals(64L << 20, kernel.heapSoft());
        assertEquals(128L << 20, kernel.heapHard());
        assertEquals(Duration.ofMillis(500), kernel.heapWindow());
        var big = c.limitsForService("big");
        assertEquals(32, big.threads());
        assertEquals(64L << 20, big.heapSoft());
        assertEquals(1L << 30, big.heapHard());
        assertEquals(Duration.ofMillis(500), big.heapWindow());
        var d = c.limitsForDriver("d");
        assertEquals(4, d.threads());
        assertEquals(0, d.heapSoft());
        assertEquals(128L << 20, d.heapHard());
        assertEquals(kernel, c.limitsForService("nobody"));
        assertEquals(kernel, c.limitsForDriver("nobody"));
        assertEquals(kernel, c.withHttpPort(0).limits(), "copies keep the quotas");
    }

    @Test
    void badQuotasAreReportedOnTheirLine() {
        fails("[kernel]\nthreads = 0\n", 2, "out of range 1..10000");
        fails("[kernel]\nthreads = many\n", 2, "expected a number");
        fails("[kernel]\nheap.soft = 512K\n", 2, "out of range");
        fails("[kernel]\nheap.hard = lots\n", 2, "expected a size");
        fails("[kernel]\nheap.window = 0s\n", 2, "greater than zero");
        fails("[kernel]\nheap.soft = 2G\nheap.hard = 1G\n", 2, "heap.soft (2147483648 bytes) is above heap.hard");
        fails("[kernel]\nheap.hard = 64M\n[service s]\nprogram = x\nheap.soft = 128M\n", 5, "one of them from [kernel]: set both here");
        fails("[service s]\nprogram = x\nheap.window = 1s\n", 3, "unknown key 'heap.window'");
    }

    @Test
    void driverSignaturesNeedATrustStore() throws Exception {
        SystemConfig c = parse("[kernel]\ndriver.signatures = required\ntrust-store = keys/trust.p12\n");
        assertTrue(c.driverSignaturesRequired());
        assertEquals("keys/trust.p12", c.trustStore());
        assertFalse(parse("[kernel]\ndriver.signatures = off\n").driverSignaturesRequired());
        fails("[kernel]\ndriver.signatures = required\n", 2, "needs 'trust-store = PATH'");
        fails("[kernel]\ndriver.signatures = maybe\n", 2, "required or off");
    }

    @Test
    @org.junit.jupiter.api.Timeout(5)
    void capabilityGrantsMayNameAServiceButNothingElseWithAColon() throws Exception {
        SystemConfig c = ConfigParser.parse("t.conf", "[kernel]\ndeploy.capabilities = console, service:kv\n[service s]\nprogram = p\ncapabilities = service:kv.v2\n");
        org.junit.jupiter.api.Assertions.assertEquals(java.util.Set.of("console", "service:kv"), c.deployCapabilities());
        org.junit.jupiter.api.Assertions.assertEquals(java.util.Set.of("service:kv.v2"), c.services().getFirst().capabilities());
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> ConfigParser.parse("t.conf", "[service s]\nprogram = p\ncapabilities = a:b:c\n"));
        org.junit.jupiter.api.Assertions.assertEquals("t.conf:3: invalid capability 'a:b:c': a name, or service:NAME", e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> ConfigParser.parse("t.conf", "[service s]\nprogram = p\nafter = x:y\n"));
    }

    @Test
    @org.junit.jupiter.api.Timeout(5)
    void aDriverMayBoundItsRestartsAndDefaultsToFiveInAMinute() throws Exception {
        SystemConfig c = ConfigParser.parse("t.conf", "[driver a]\nbundle = x\nrestart-limit = 2 in 10s\n[driver b]\nbundle = y\n");
        assertEquals(2, c.drivers().get(0).restart().maxRestarts());
        assertEquals(java.time.Duration.ofSeconds(10), c.drivers().get(0).restart().window());
        assertEquals(5, c.drivers().get(1).restart().maxRestarts());
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse("t.conf", "[driver a]\nbundle = x\nrestart-limit = often\n"));
        assertTrue(e.getMessage().startsWith("t.conf:3: restart-limit must look like '5 in 60s'"), e.getMessage());
    }

    @Test
    @org.junit.jupiter.api.Timeout(5)
    void aDriverMaySetItsRequestDeadlineButNotZero() throws Exception {
        SystemConfig c = ConfigParser.parse("t.conf", "[driver a]\nbundle = x\nrequest-deadline = 250ms\n[driver b]\nbundle = y\n");
        assertEquals(java.util.Optional.of(java.time.Duration.ofMillis(250)), c.drivers().get(0).requestDeadline());
        assertEquals(java.util.Optional.empty(), c.drivers().get(1).requestDeadline(), "absent: the driver manager's default");
        ConfigException zero = assertThrows(ConfigException.class, () -> ConfigParser.parse("t.conf", "[driver a]\nbundle = x\nrequest-deadline = 0s\n"));
        assertTrue(zero.getMessage().startsWith("t.conf:3: duration must be greater than zero"), zero.getMessage());
        ConfigException bad = assertThrows(ConfigException.class, () -> ConfigParser.parse("t.conf", "[driver a]\nbundle = x\nrequest-deadline = soon\n"));
        assertTrue(bad.getMessage().startsWith("t.conf:3: expected a duration"), bad.getMessage());
    }
}
