package dev.kosh.ipc.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import dev.kosh.api.Errno;
import dev.kosh.api.KoshException;
import dev.kosh.api.Message;
import dev.kosh.api.Outgoing;
import dev.kosh.api.SysResult;

/**
 * The client side of a typed protocol: a {@link Proxy} whose every method is a {@code call} with
 * the method's label and its arguments as a list. A method declared to return {@link SysResult}
 * gets failures as {@link SysResult.Err}; any other method throws {@link KoshException} (in the
 * client's own thread).
 */
final class ProtocolStub implements InvocationHandler {
    private final ProcessIpc ipc;
    private final Class<?> protocol;
    private final List<Method> methods;
    private final int endpoint;
    private final Duration timeout;

    private ProtocolStub(ProcessIpc ipc, Class<?> protocol, int endpoint, Duration timeout) {
        this.ipc = ipc;
        this.protocol = protocol;
        this.methods = ProtocolMethods.of(protocol);
        this.endpoint = endpoint;
        this.timeout = timeout;
    }

    static <P> SysResult<P> connect(ProcessIpc ipc, Class<P> protocol, int endpoint, Duration timeout) {
        if (protocol == null || !protocol.isInterface() || protocol.isSealed() || timeout == null || timeout.isNegative()) {
            return SysResult.err(Errno.INVALID_ARGUMENT, "connect needs a non-sealed protocol interface and a timeout");
        }
        try {
            ClassLoader loader = protocol.getClassLoader() != null ? protocol.getClassLoader() : ProtocolStub.class.getClassLoader();
            Object proxy = Proxy.newProxyInstance(loader, new Class<?>[] {protocol}, new ProtocolStub(ipc, protocol, endpoint, timeout));
            return SysResult.ok(protocol.cast(proxy));
        } catch (IllegalArgumentException | SecurityException e) {
            return SysResult.err(Errno.INVALID_ARGUMENT, "cannot make a stub for " + protocol.getName() + ": " + e.getMessage());
        }
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return switch (method.getName()) {
                case "toString" -> "stub of " + protocol.getName() + " on handle " + endpoint;
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                default -> throw new UnsupportedOperationException(method.getName());
            };
        }
        if (method.isDefault()) return InvocationHandler.invokeDefault(proxy, method, args);
        int label = methods.indexOf(method);
        boolean wantsResult = method.getReturnType() == SysResult.class;
        List<Object> arguments = args == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(java.util.Arrays.asList(args)));
        SysResult<Message> r = ipc.call(endpoint, Outgoing.of(label, arguments), timeout);
        switch (r) {
            case SysResult.Err<Message> e -> {
                if (wantsResult) return SysResult.err(e.errno(), e.message());
                throw new KoshException(e.errno(), e.message());
            }
            case SysResult.Ok<Message> ok -> {
                Message m = ok.value();
                if (m.label() == ProtocolMethods.FAILED) {
                    Errno errno = Errno.INVALID_ARGUMENT;
                    String text = "service failed";
                    if (m.data() instanceof List<?> l && l.size() == 2) {
                        try {
                            errno = Errno.valueOf(String.valueOf(l.get(0)));
                        } catch (IllegalArgumentException unknown) {
                            errno = Errno.INVALID_ARGUMENT;
                        }
                        text = String.valueOf(l.get(1));
                    }
                    if (wantsResult) return SysResult.err(errno, text);
                    throw new KoshException(errno, text);
                }
                if (wantsResult && !(m.data() instanceof SysResult<?>)) return SysResult.ok(m.data());
                return m.data();
            }
        }
    }
}
