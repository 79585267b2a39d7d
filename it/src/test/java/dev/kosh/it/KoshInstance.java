package dev.kosh.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Kosh as a user runs it: the assembled system (launcher/target/kosh) in its own JVM, with the
 * JVM options of config/jvm.options, driven through its command line, console and HTTP port.
 */
final class KoshInstance implements AutoCloseable {
    static final Path ROOT = Path.of(System.getProperty("kosh.root", "..")).toAbsolutePath().normalize();
    static final Path DIST = Path.of(System.getProperty("kosh.dist", ROOT.resolve("launcher/target/kosh").toString()));
    static final String JAVA = System.getProperty("kosh.java", Path.of(System.getProperty("java.home"), "bin", "java").toString());

    private final Process process;
    private final List<String> lines = new ArrayList<>(); // guarded by itself
    private final Thread reader;
    final int httpPort;
    final Path data;

    private KoshInstance(Process process, int httpPort, Path data) {
        this.process = process;
        this.httpPort = httpPort;
        this.data = data;
        this.reader = Thread.ofPlatform().daemon(true).start(this::readOutput);
    }

    static List<String> command(Path data, int httpPort, String... extra) throws IOException {
        return command(List.of("jvm.options"), data, httpPort, extra);
    }

    /** The command line with the JVM flags of {@code optionFiles} under config/, in order (as ./kosh's profiles add them). */
    static List<String> command(List<String> optionFiles, Path data, int httpPort, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(JAVA);
        for (String file : optionFiles) {
            for (String line : Files.readAllLines(ROOT.resolve("config").resolve(file))) {
                if (!line.isBlank() && !line.strip().startsWith("#")) cmd.add(line.strip());
            }
        }
        cmd.add("-Dkosh.home=" + ROOT);
        cmd.add("-Dkosh.system.dir=" + DIST.resolve("system"));
        cmd.add("-cp");
        cmd.add(DIST.resolve("lib") + "/*");
        cmd.add("dev.kosh.launcher.Main");
        cmd.add("--data");
        cmd.add(data.toString());
        cmd.add("--http");
        cmd.add(Integer.toString(httpPort));
        cmd.addAll(List.of(extra));
        return cmd;
    }

    /** Starts Kosh without a shell and waits for its ready line. */
    static KoshInstance boot(Path data, String... extra) throws Exception {
        int port = freePort();
        List<String> cmd = command(data, port, extra);
        cmd.add("--no-shell");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        KoshInstance k = new KoshInstance(p, port, data);
        k.awaitLine(l -> l.startsWith("kosh: ready in"), Duration.ofSeconds(60));
        return k;
    }

    /** The result of a run to completion: exit code and everything it printed. */
    record Result(int exitCode, String output) {}

    /** Runs Kosh to completion (for --exec and --help), with a deadline. */
    static Result run(Path data, String... args) throws Exception {
        return runWith(List.of("jvm.options"), data, args);
    }

    /** {@link #run} with the JVM flags of {@code optionFiles} under config/ (a ./kosh profile). */
    static Result runWith(List<String> optionFiles, Path data, String... args) throws Exception {
        List<String> cmd = command(optionFiles, data, 0, args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kosh did not exit within 120 s:\n" + new String(out, StandardCharsets.UTF_8));
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private void readOutput() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    String output() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    /** Waits for a console line matching {@code match}; fails with the whole output otherwise. */
    String awaitLine(Predicate<String> match, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            int seen = 0;
            while (true) {
                for (; seen < lines.size(); seen++) if (match.test(lines.get(seen))) return lines.get(seen);
                long left = deadline - System.nanoTime();
                if (left <= 0 || !process.isAlive() && seen == lines.size()) {
                    throw new AssertionError("no matching console line within " + timeout + "; output:\n" + String.join("\n", lines));
                }
                lines.wait(Math.max(1, Math.min(100, left / 1_000_000)));
            }
        }
    }

    String get(String path) throws IOException, InterruptedException {
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) throw new AssertionError("GET " + path + " → " + r.statusCode() + ": " + r.body());
            return r.body();
        }
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** SIGKILL, as {@code kill -9}: no shutdown hook runs. */
    void killHard() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        reader.join(5000);
    }

    /** SIGTERM: the launcher's shutdown hook halts the kernel. */
    int terminate() throws InterruptedException {
        // Through the handle: Process.destroy() would also close our end of the output pipe and
        // lose what the kernel prints while it halts.
        process.toHandle().destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("kosh did not halt within 30 s of SIGTERM:\n" + output());
        }
        reader.join(5000);
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    static void uncheckedWrite(Path p, byte[] bytes) {
        try {
            Files.write(p, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
