package dev.kosh.examples.kvclient;

import java.time.Duration;
import java.util.List;

import dev.kosh.api.Console;
import dev.kosh.api.KoshException;
import dev.kosh.api.ProcessContext;
import dev.kosh.api.Program;
import dev.kosh.api.SysResult;
import dev.kosh.examples.kv.KeyValue;

/**
 * A client of the key-value service: looks {@code kv} up, connects the typed stub and calls it.
 * Without arguments it puts, gets and deletes a few keys and prints each answer. With
 * {@code --slow MILLIS} it makes one call the server holds that long (kill the server meanwhile
 * and the call ends with DEAD_PEER). Every failure is printed as {@code kv-client: ... failed:
 * ERRNO message} and ends the process with exit code 2.
 */
public final class KvClient implements Program {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Override
    public int main(ProcessContext ctx) {
        Console out = ctx.console();
        List<String> args = ctx.args();
        KeyValue kv;
        try {
            kv = connect(ctx);
        } catch (KoshException e) {
            out.println("kv-client: lookup failed: " + e.errno() + " " + e.getMessage());
            return 2;
        }
        try {
            if (args.size() == 2 && args.get(0).equals("--slow")) {
                out.println("kv-client: calling slowEcho (" + args.get(1) + " ms)");
                out.println("kv-client: slowEcho -> " + kv.slowEcho("still here", Long.parseLong(args.get(1))));
                return 0;
            }
            out.println("kv-client: put greeting=hello -> " + kv.put("greeting", "hello"));
            out.println("kv-client: put greeting=bonjour -> " + kv.put("greeting", "bonjour"));
            out.println("kv-client: put answer=42 -> " + kv.put("answer", "42"));
            out.println("kv-client: get greeting -> " + kv.get("greeting"));
            out.println("kv-client: delete answer -> " + kv.delete("answer"));
            out.println("kv-client: get answer -> " + kv.get("answer"));
            out.println("kv-client: delete answer -> " + kv.delete("answer"));
            out.println("kv-client: size -> " + kv.size());
            return 0;
        } catch (KoshException e) {
            out.println("kv-client: call failed: " + e.errno() + " " + e.getMessage());
            return 2;
        }
    }

    private static KeyValue connect(ProcessContext ctx) {
        int handle = ctx.ipc().lookup(KeyValue.NAME).orThrow();
        return switch (ctx.ipc().connect(KeyValue.class, handle, TIMEOUT)) {
            case SysResult.Ok<KeyValue> ok -> ok.value();
            case SysResult.Err<KeyValue> err -> throw new KoshException(err.errno(), err.message());
        };
    }
}
