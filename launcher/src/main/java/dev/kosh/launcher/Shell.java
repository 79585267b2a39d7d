package dev.kosh.launcher;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.felix.gogo.runtime.CommandNotFoundException;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;

import dev.kosh.api.Signal;
import dev.kosh.kernel.process.KoshProcess;

/**
 * The shell: Kosh's commands on the Gogo runtime (its parser, variables and closures). Every
 * command prints its own output and either succeeds or fails with a one-line message; nothing a
 * user types produces a stack trace.
 */
final class Shell {
    /** A command's failure, shown as {@code name: message}. */
    static final class CommandFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CommandFailed(String message) {
            super(message, null, false, false);
        }
    }

    /** A command: its one-line description and body. */
    record Command(String usage, String description, Body body) {}

    @FunctionalInterface
    interface Body {
        void run(List<String> args) throws Exception;
    }

    private final Kernel kernel;
    private final PrintStream out;
    private final CommandProcessorImpl processor = new CommandProcessorImpl();
    private final CommandSession session;
    private final Map<String, Command> commands = new LinkedHashMap<>();

    Shell(Kernel kernel, PrintStream out) {
        this.kernel = kernel;
        this.out = out;
        this.session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, out);
        new Commands(kernel, out).registerAll(this);
        commands.put("help", new Command("help", "list the commands", args -> help()));
    }

    void register(String name, String usage, String description, Body body) {
        commands.put(name, new Command(usage, description, body));
        Function f = (s, arguments) -> {
            List<String> args = new ArrayList<>(arguments.size());
            for (Object a : arguments) args.add(String.valueOf(a));
            commands.get(name).body().run(args);
            return null;
        };
        processor.addCommand("kosh", f, name);
    }

    private void help() {
        for (Map.Entry<String, Command> e : commands.entrySet()) {
            out.printf("  %-28s %s%n", e.getValue().usage(), e.getValue().description());
        }
    }

    /** Runs one command line; prints its output or a one-line error. True if it succeeded. */
    boolean execute(String line) {
        String trimmed = line.strip();
        if (trimmed.isEmpty() || trimmed.startsWith("#")) return true;
        String name = trimmed.split("\\s+", 2)[0];
        try {
            if (name.equals("help")) {
                help();
                return true;
            }
            session.execute(trimmed);
            return true;
        } catch (CommandNotFoundException e) {
            out.println("kosh: unknown command '" + e.getCommand().replaceFirst("^kosh:", "") + "' (type 'help' for the list)");
        } catch (CommandFailed e) {
            out.println(name + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.println(name + ": interrupted");
        } catch (Exception | LinkageError e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : BundleJars.oneLine(e.getMessage());
            out.println(name + ": " + msg);
            kernel.journal().warn("shell", "'" + trimmed + "' failed: " + e);
        } finally {
            kernel.flushConsole();
            out.flush();
        }
        return false;
    }

    /** Runs {@code cmd; cmd; ...}; true only if every command succeeded. */
    boolean executeAll(String script) {
        boolean ok = true;
        for (String cmd : splitCommands(script)) {
            if (cmd.isBlank()) continue;
            out.println("kosh> " + cmd.strip());
            ok &= execute(cmd);
            if (kernel.isDown()) break;
        }
        return ok;
    }

    /** Splits on ';' outside double quotes. */
    static List<String> splitCommands(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (char c : script.toCharArray()) {
            if (c == '"') quoted = !quoted;
            if (c == ';' && !quoted) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }

    /**
     * Reads commands from {@code in} until 'shutdown' or end of input. Returns true if input ended
     * (the caller decides whether that means shutdown).
     */
    boolean interact(InputStream in) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        while (!kernel.isDown()) {
            kernel.flushConsole();
            out.print("kosh> ");
            out.flush();
            String line = reader.readLine();
            if (line == null) return true;
            execute(line);
        }
        return false;
    }

    /** TERM to each process, then KILL to those still running after the stop timeout; waits for all. */
    static void stopProcesses(Kernel kernel, List<KoshProcess> victims, String sender) throws InterruptedException {
        for (KoshProcess p : victims) kernel.processes().signal(p.pid(), Signal.TERM, sender);
        for (KoshProcess p : victims) {
            kernel.processes().awaitExit(p, kernel.config().stopTimeout());
            if (!p.finished()) kernel.processes().signal(p.pid(), Signal.KILL, sender);
        }
    }
}
