package dev.kosh.ipc.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;

import dev.kosh.api.Errno;
import dev.kosh.api.KoshException;
import dev.kosh.api.Message;
import dev.kosh.api.Outgoing;
import dev.kosh.api.SysResult;
import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.kernel.process.ProcessKilled;

/**
 * The server side of a typed protocol: receive a call, find the method by label, invoke the
 * implementation, reply with its result. An exception thrown by the implementation becomes an
 * error reply ({@link KoshException}'s errno, or INVALID_ARGUMENT), never the end of the server.
 */
final class ProtocolServer {
    private static final Duration POLL = Duration.ofMillis(500);

    private ProtocolServer() {
    }

    static <P> SysResult<Void> serve(ProcessIpc ipc, KoshProcess process, Class<P> protocol, P implementation, int endpoint) {
        if (protocol == null || !protocol.isInterface() || implementation == null || !protocol.isInstance(implementation)) {
            return SysResult.err(Errno.INVALID_ARGUMENT, "serve needs a protocol interface and an implementation of it");
        }
        List<Method> methods = ProtocolMethods.of(protocol);
        // One system call per request: the answer to the last call and the wait for the next (ReplyRecv).
        int replyHandle = 0;
        Outgoing answer = null;
        String method = null;
        while (!process.terminationRequested()) {
            SysResult<Message> got = ipc.replyReceive(replyHandle, answer, endpoint, POLL, true);
            if (got instanceof SysResult.Err<Message> e) {
                if (replyHandle != 0 && e.errno() == Errno.INVALID_ARGUMENT && answer.label() == ProtocolMethods.OK) {
                    // nothing went out (the result cannot be sent): answer with the reason instead
                    answer = failure(Errno.INVALID_ARGUMENT, "result of " + method + " cannot be sent: " + e.message());
                    continue;
                }
                if (replyHandle != 0 && e.errno() != Errno.TIMEOUT) {
                    // Whether the error came before the answer went out (the endpoint's handle, checked
                    // first) or after: answer now; an answer already sent makes this INVALID_HANDLE.
                    ipc.reply(replyHandle, answer);
                }
                replyHandle = 0;
                answer = null;
                if (e.errno() == Errno.TIMEOUT) continue;
                if (e.errno() == Errno.CLOSED && process.terminationRequested()) break;
                return SysResult.err(e.errno(), e.message());
            }
            Message m = ((SysResult.Ok<Message>) got).value();
            answer = dispatch(methods, implementation, m);
            replyHandle = m.replyHandle();
            method = m.label() >= 0 && m.label() < methods.size() ? methods.get(m.label()).getName() : "?";
        }
        if (replyHandle != 0) ipc.reply(replyHandle, answer); // asked to stop with an answer in hand: send it
        return SysResult.ok(null);
    }

    private static Outgoing dispatch(List<Method> methods, Object implementation, Message m) {
        if (m.label() < 0 || m.label() >= methods.size() || !(m.data() instanceof List<?> args)) {
            return failure(Errno.INVALID_ARGUMENT, "no method " + m.label() + " in this protocol");
        }
        Method method = methods.get(m.label());
        if (args.size() != method.getParameterCount()) {
            return failure(Errno.INVALID_ARGUMENT, method.getName() + " takes " + method.getParameterCount() + " arguments, not " + args.size());
        }
        try {
            return new Outgoing(dev.kosh.api.MessageType.SERVICE_REQUEST, ProtocolMethods.OK, method.invoke(implementation, args.toArray()), List.of());
        } catch (InvocationTargetException ite) {
            Throwable cause = ite.getCause();
            if (cause instanceof ProcessKilled k) throw k;
            if (cause instanceof VirtualMachineError v && !(cause instanceof StackOverflowError)) throw v;
            if (cause instanceof KoshException k) return failure(k.errno(), k.getMessage());
            return failure(Errno.INVALID_ARGUMENT, method.getName() + " failed: " + cause);
        } catch (IllegalAccessException | IllegalArgumentException e) {
            return failure(Errno.INVALID_ARGUMENT, "cannot call " + method.getName() + ": " + e.getMessage());
        }
    }

    private static Outgoing failure(Errno errno, String message) {
        return new Outgoing(dev.kosh.api.MessageType.SERVICE_REQUEST, ProtocolMethods.FAILED, List.of(errno.name(), String.valueOf(message)), List.of());
    }
}
