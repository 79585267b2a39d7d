package dev.kosh.hello;

import java.time.Duration;
import java.util.List;

import dev.kosh.api.ExitStatus;
import dev.kosh.api.ProcessContext;
import dev.kosh.api.Program;

/**
 * Greets and exits. Arguments: words to echo; {@code --exit N} to exit with code N;
 * {@code --sleep MS} to stay alive that long first; {@code --child ARGS...} to spawn another
 * hello with the remaining arguments and wait for it (the parent/child example).
 */
public final class Hello implements Program {
    @Override
    public int main(ProcessContext ctx) throws Exception {
        List<String> args = ctx.args();
        int exit = 0;
        StringBuilder words = new StringBuilder();
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "--exit" -> exit = Integer.parseInt(args.get(++i));
                case "--sleep" -> ctx.sleep(Duration.ofMillis(Long.parseLong(args.get(++i))));
                case "--child" -> {
                    int child = ctx.spawn("dev.kosh.hello", args.subList(i + 1, args.size())).orThrow();
                    ExitStatus status = ctx.waitFor(child, Duration.ofSeconds(30)).orThrow();
                    ctx.console().println("hello: child " + child + " " + status.reason());
                    i = args.size();
                }
                default -> words.append(words.isEmpty() ? "" : " ").append(args.get(i));
            }
        }
        ctx.console().println("hello from pid " + ctx.pid() + (words.isEmpty() ? "" : ": " + words));
        return exit;
    }
}
