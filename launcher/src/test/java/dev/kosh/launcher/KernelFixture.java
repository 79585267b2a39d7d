package dev.kosh.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Enumeration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import dev.kosh.kernel.config.ConfigParser;
import dev.kosh.kernel.config.SystemConfig;

/** A kernel booted inside the test JVM, with its console captured. */
final class KernelFixture implements AutoCloseable {
    static final Path SYSTEM = Path.of(System.getProperty("kosh.system.dir", "target/kosh/system"));

    final Kernel kernel;
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    final PrintStream out = new PrintStream(console, true, StandardCharsets.UTF_8);

    KernelFixture(Path data, String configText) throws Exception {
        this(data, ConfigParser.parse("test.conf", configText));
    }

    /** Boots with a parsed configuration (a file's, when paths in it are relative to it). */
    KernelFixture(Path data, SystemConfig parsed) throws Exception {
        SystemConfig config = parsed.withHttpPort(0);
        kernel = new Kernel(config, data, SYSTEM, out);
        if (!kernel.boot()) throw new AssertionError("boot failed:\n" + console());
    }

    private Shell shell;
    private final ByteArrayOutputStream shellOutput = new ByteArrayOutputStream();

    /**
     * Runs a shell command against this kernel, as a user at the console would, and returns what
     * it printed. Fails the test if the command's success is not {@code expectSuccess}, or if a
     * stack trace reached the user.
     */
    synchronized String shell(String line, boolean expectSuccess) {
        if (shell == null) shell = new Shell(kernel, new PrintStream(shellOutput, true, StandardCharsets.UTF_8));
        shellOutput.reset();
        boolean ok = shell.execute(line);
        String printed = shellOutput.toString(StandardCharsets.UTF_8);
        if (ok != expectSuccess) {
            throw new AssertionError("'" + line + "' " + (ok ? "succeeded" : "failed") + ":\n" + printed + "\nconsole:\n" + console());
        }
        if (printed.contains("\tat ")) throw new AssertionError("a stack trace reached the user: " + printed);
        return printed;
    }

    /** The pid a {@code run -b} printed ("started pid N (...)"). */
    static int startedPid(String printed) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("started pid (\\d+)").matcher(printed);
        if (!m.find()) throw new AssertionError("no 'started pid' in: " + printed);
        return Integer.parseInt(m.group(1));
    }

    String console() {
        return console.toString(StandardCharsets.UTF_8);
    }

    void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what + "; console:\n" + console());
            Thread.sleep(5);
        }
    }

    /** A copy of a system bundle with manifest headers replaced, renamed into place at {@code target}. */
    static Path relabel(String systemJar, Path target, Map<String, String> headers) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try (JarFile in = new JarFile(SYSTEM.resolve(systemJar).toFile()); OutputStream os = Files.newOutputStream(tmp)) {
            Manifest m = new Manifest(in.getManifest());
            headers.forEach((k, v) -> m.getMainAttributes().put(new Attributes.Name(k), v));
            try (JarOutputStream jar = new JarOutputStream(os, m)) {
                for (Enumeration<JarEntry> e = in.entries(); e.hasMoreElements(); ) {
                    JarEntry entry = e.nextElement();
                    if (entry.getName().equalsIgnoreCase("META-INF/MANIFEST.MF")) continue;
                    jar.putNextEntry(new JarEntry(entry.getName()));
                    try (InputStream is = in.getInputStream(entry)) {
                        is.transferTo(jar);
                    }
                    jar.closeEntry();
                }
            }
        }
        return Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void close() {
        kernel.close();
    }
}
