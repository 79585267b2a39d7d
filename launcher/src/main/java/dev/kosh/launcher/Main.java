package dev.kosh.launcher;

import java.io.Console;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import dev.kosh.kernel.config.ConfigException;
import dev.kosh.kernel.config.ConfigParser;
import dev.kosh.kernel.config.SystemConfig;

/**
 * {@code kosh}: boots the kernel, then runs the shell on the terminal (or the {@code --exec}
 * commands), and halts. Exit codes: 0 success, 1 boot failure or a failed {@code --exec} command,
 * 2 bad command line, 78 bad configuration.
 */
public final class Main {
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_CONFIG = 78;

    private Main() {}

    public static void main(String[] args) {
        // The console is written through the file descriptor, not System.out, which Gogo may redirect.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.exit(run(args, out));
    }

    static int run(String[] args, PrintStream out) {
        Path home = Path.of(System.getProperty("kosh.home", "."));
        Options options;
        try {
            options = Options.parse(args, home);
        } catch (Options.UsageException e) {
            System.err.println("kosh: " + e.getMessage());
            return EXIT_USAGE;
        }
        if (options.help()) {
            out.print(Options.USAGE);
            return 0;
        }
        SystemConfig config;
        try {
            config = ConfigParser.parse(options.config());
        } catch (ConfigException e) {
            System.err.println("kosh: " + e.getMessage());
            return EXIT_CONFIG;
        }
        if (options.httpPort() != null) config = config.withHttpPort(options.httpPort());

        Kernel kernel = new Kernel(config, options.data(), options.systemDir(), out);
        Thread hook = new Thread(kernel::close, "kosh-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            if (!kernel.boot()) return EXIT_FAILURE;
            Shell shell = new Shell(kernel, out);
            if (options.exec() != null) {
                boolean ok = shell.executeAll(options.exec());
                kernel.close();
                return ok ? 0 : EXIT_FAILURE;
            }
            if (!options.noShell()) {
                boolean endOfInput = shell.interact(System.in);
                Console console = System.console();
                if (endOfInput && console != null && console.isTerminal()) {
                    out.println();
                    kernel.close(); // ^D on a terminal: like 'shutdown'
                } else if (endOfInput) {
                    out.println("kosh: no more console input; running without a shell (stop with 'kill " + ProcessHandle.current().pid() + "')");
                }
            }
            kernel.awaitHalt();
            return 0;
        } catch (Exception e) {
            System.err.println("kosh: " + e);
            kernel.close();
            return EXIT_FAILURE;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is already running and will halt the kernel
            }
        }
    }
}
