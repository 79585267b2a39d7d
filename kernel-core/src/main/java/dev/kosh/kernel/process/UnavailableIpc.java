package dev.kosh.kernel.process;

import java.time.Duration;

import dev.kosh.api.Errno;
import dev.kosh.api.Ipc;
import dev.kosh.api.Message;
import dev.kosh.api.Outgoing;
import dev.kosh.api.SharedMapping;
import dev.kosh.api.SysResult;

/** The IPC calls of a kernel without an IPC service: every call answers UNAVAILABLE. */
enum UnavailableIpc implements Ipc {
    INSTANCE;

    private static <T> SysResult<T> none() {
        return SysResult.err(Errno.UNAVAILABLE, "IPC is not running in this kernel");
    }

    @Override public SysResult<Integer> createEndpoint() { return none(); }
    @Override public SysResult<Integer> createChannel(int capacity) { return none(); }
    @Override public SysResult<Integer> createNotification() { return none(); }
    @Override public SysResult<Integer> createSharedMemory(long bytes) { return none(); }
    @Override public SysResult<Message> call(int endpoint, Outgoing request, Duration timeout) { return none(); }
    @Override public SysResult<Message> receive(int handle, Duration timeout) { return none(); }
    @Override public SysResult<Void> reply(int replyHandle, Outgoing response) { return none(); }
    @Override public SysResult<Void> send(int channel, Outgoing message, Duration timeout) { return none(); }
    @Override public SysResult<Void> closeChannel(int channel) { return none(); }
    @Override public SysResult<Void> signal(int notification, long bits) { return none(); }
    @Override public SysResult<Long> waitSignal(int notification, Duration timeout) { return none(); }
    @Override public SysResult<Void> bindSignals(int notification) { return none(); }
    @Override public SysResult<SharedMapping> map(int region) { return none(); }
    @Override public SysResult<Void> register(String name, int endpoint) { return none(); }
    @Override public SysResult<Integer> lookup(String name) { return none(); }
    @Override public <P> SysResult<P> connect(Class<P> protocol, int endpoint, Duration timeout) { return none(); }
    @Override public <P> SysResult<Void> serve(Class<P> protocol, P implementation, int endpoint) { return none(); }
}
