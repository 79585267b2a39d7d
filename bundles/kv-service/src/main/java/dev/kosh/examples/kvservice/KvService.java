package dev.kosh.examples.kvservice;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import dev.kosh.api.Errno;
import dev.kosh.api.Ipc;
import dev.kosh.api.KoshException;
import dev.kosh.api.ProcessContext;
import dev.kosh.api.Program;
import dev.kosh.api.SysResult;
import dev.kosh.examples.kv.KeyValue;

/**
 * The key-value service: creates an endpoint, registers it as {@code kv} (argument 1 overrides the
 * name) and serves {@link KeyValue} on it until asked to terminate. The store is an ordinary map:
 * {@code serve} runs every call on this process's main thread, one at a time.
 */
public final class KvService implements Program {
    @Override
    public int main(ProcessContext ctx) {
        String name = ctx.args().isEmpty() ? KeyValue.NAME : ctx.args().getFirst();
        Ipc ipc = ctx.ipc();
        int endpoint = ipc.createEndpoint().orThrow();
        ipc.register(name, endpoint).orThrow();
        ctx.console().println("kv-service: serving '" + name + "' as pid " + ctx.pid());
        return switch (ipc.serve(KeyValue.class, new Store(ctx), endpoint)) {
            case SysResult.Ok<Void> ok -> 0;
            case SysResult.Err<Void> err -> {
                ctx.console().println("kv-service: stopped serving: " + err.errno() + " " + err.message());
                yield 1;
            }
        };
    }

    /** The implementation {@code serve} dispatches to. */
    private static final class Store implements KeyValue {
        private final ProcessContext ctx;
        private final Map<String, String> values = new HashMap<>();

        Store(ProcessContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public String put(String key, String value) {
            if (key == null || value == null) throw new KoshException(Errno.INVALID_ARGUMENT, "put needs a key and a value");
            return values.put(key, value);
        }

        @Override
        public String get(String key) {
            return values.get(key);
        }

        @Override
        public boolean delete(String key) {
            return values.remove(key) != null;
        }

        @Override
        public int size() {
            return values.size();
        }

        @Override
        public String slowEcho(String text, long millis) {
            try {
                ctx.sleep(Duration.ofMillis(Math.max(0, millis)));
            } catch (InterruptedException e) {
                throw new KoshException(Errno.CLOSED, "kv-service is terminating");
            }
            return text;
        }
    }
}
