package dev.kosh.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The launcher's command line. {@link #parse} rejects anything it does not understand with a
 * message that names the option.
 */
record Options(Path config, Path data, Integer httpPort, String exec, boolean help, boolean noShell, Path systemDir) {

    static final String USAGE = """
            Usage: kosh [options]

            Boots Kosh: the kernel, init and the services in the configuration, with the shell
            on this terminal and the dashboard on http://127.0.0.1:7070/.

            Options:
              --config FILE    system configuration (default: config/system.conf)
              --data DIR       journal, deploy folder and state (default: ./var)
              --http PORT      HTTP port for the dashboard, /metrics and /api (0 = off;
                               default: from the configuration, 7070)
              --exec "CMDS"    boot, run the shell commands (separated by ';'), print their
                               output, shut down; exit 0 only if every command succeeded
              --no-shell       no interactive shell; run until 'shutdown' or a signal
              --system DIR     directory of system bundles (default: set by ./kosh)
              -h, --help       this text
            """;

    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    static Options parse(String[] args, Path home) throws UsageException {
        Path config = home.resolve("config/system.conf");
        Path data = Path.of("var");
        Integer http = null;
        String exec = null;
        boolean help = false, noShell = false;
        String sys = System.getProperty("kosh.system.dir");
        Path system = sys != null ? Path.of(sys) : home.resolve("launcher/target/kosh/system");
        List<String> a = new ArrayList<>(List.of(args));
        for (int i = 0; i < a.size(); i++) {
            String opt = a.get(i);
            String value = null;
            int eq = opt.indexOf('=');
            if (opt.startsWith("--") && eq > 0) {
                value = opt.substring(eq + 1);
                opt = opt.substring(0, eq);
            }
            switch (opt) {
                case "-h", "--help" -> help = true;
                case "--no-shell" -> noShell = true;
                case "--config", "--data", "--http", "--exec", "--system" -> {
                    if (value == null) {
                        if (i + 1 >= a.size()) throw new UsageException(opt + " needs a value");
                        value = a.get(++i);
                    }
                    switch (opt) {
                        case "--config" -> config = Path.of(value);
                        case "--data" -> data = Path.of(value);
                        case "--system" -> system = Path.of(value);
                        case "--exec" -> exec = value;
                        default -> {
                            try {
                                http = Integer.parseInt(value);
                            } catch (NumberFormatException e) {
                                throw new UsageException("--http needs a port number (0 = off), not '" + value + "'");
                            }
                            if (http < 0 || http > 65535) throw new UsageException("--http port must be 0..65535, not " + http);
                        }
                    }
                }
                default -> throw new UsageException("unknown option '" + opt + "' (see --help)");
            }
        }
        return new Options(config, data, http, exec, help, noShell, system);
    }
}
