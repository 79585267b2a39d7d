package dev.kosh.ipc.bench;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jctools.queues.SpscArrayQueue;

import dev.kosh.api.Ipc;
import dev.kosh.api.Message;
import dev.kosh.api.Outgoing;
import dev.kosh.api.Right;
import dev.kosh.api.Rights;
import dev.kosh.api.SysResult;
import dev.kosh.ipc.IpcKernel;
import dev.kosh.ipc.testing.IpcHarness;
import dev.kosh.kernel.process.KoshProcess;

/**
 * The round trips the benchmarks compare, each a client side {@link #roundTrip()} with an echo
 * thread behind it: the kernel's endpoint call (client process → server process → client, with
 * capability checks, reply capability and all), and the baselines: raw JCTools SPSC queues, an
 * {@link ArrayBlockingQueue}, a Unix-domain socket.
 */
public abstract class PingPongs implements AutoCloseable {
    static final Long PING = 42L;
    final AtomicBoolean running = new AtomicBoolean(true);
    Thread echo;

    /** One request and its answer. */
    public abstract Object roundTrip() throws Exception;

    @Override
    public void close() throws Exception {
        running.set(false);
        if (echo != null) {
            echo.interrupt();
            echo.join(2000);
        }
    }

    /** The kernel path: call on an endpoint through a badged CALL capability; the server receives and replies. */
    public static final class KernelCall extends PingPongs {
        final IpcHarness kernel;
        final Ipc client;
        final int handle;

        public KernelCall(long spinNanos) {
            this(spinNanos, false);
        }

        /** With {@code replyReceive}: the server loop answers and waits in one system call ({@code Ipc.replyReceive}). */
        public KernelCall(long spinNanos, boolean replyReceive) {
            kernel = new IpcHarness(IpcKernel.Options.DEFAULT.withSpinNanos(spinNanos));
            KoshProcess server = kernel.idle("server");
            KoshProcess clientProcess = kernel.idle("client");
            Ipc s = kernel.ipc(server);
            client = kernel.ipc(clientProcess);
            int ep = s.createEndpoint().orThrow();
            handle = kernel.ipc.space().grant(server.capabilityTable().lookup(ep), clientProcess.capabilityTable(),
                    Rights.of(Right.CALL), clientProcess.pid()).orThrow();
            Duration poll = Duration.ofMillis(100);
            echo = replyReceive ? Thread.ofPlatform().name("kernel-echo-rr").daemon().start(() -> {
                int replyHandle = 0;
                Outgoing answer = null;
                while (running.get()) {
                    SysResult<Message> got = s.replyReceive(replyHandle, answer, ep, poll);
                    replyHandle = 0;
                    answer = null;
                    if (got instanceof SysResult.Ok<Message>(Message m)) {
                        replyHandle = m.replyHandle();
                        answer = Outgoing.of(m.label(), m.data());
                    }
                }
            }) : Thread.ofPlatform().name("kernel-echo").daemon().start(() -> {
                while (running.get()) {
                    if (s.receive(ep, poll) instanceof SysResult.Ok<Message>(Message m)) {
                        s.reply(m.replyHandle(), Outgoing.of(m.label(), m.data()));
                    }
                }
            });
        }

        private static final Duration TIMEOUT = Duration.ofSeconds(10);
        private final Outgoing request = Outgoing.of(1, PING);

        @Override
        public Object roundTrip() {
            return ((SysResult.Ok<Message>) client.call(handle, request, TIMEOUT)).value().data();
        }

        @Override
        public void close() throws Exception {
            super.close();
            kernel.close();
        }
    }

    /** Two JCTools SPSC queues, both sides busy-polling: the floor for a cross-thread round trip. */
    public static final class RawSpsc extends PingPongs {
        final SpscArrayQueue<Long> ping = new SpscArrayQueue<>(2);
        final SpscArrayQueue<Long> pong = new SpscArrayQueue<>(2);

        public RawSpsc() {
            echo = Thread.ofPlatform().name("spsc-echo").daemon().start(() -> {
                while (running.get()) {
                    Long m = ping.poll();
                    if (m != null) pong.offer(m);
                    else Thread.onSpinWait();
                }
            });
        }

        @Override
        public Object roundTrip() {
            ping.offer(PING);
            Long m;
            while ((m = pong.poll()) == null) Thread.onSpinWait();
            return m;
        }
    }

    /** Two {@link ArrayBlockingQueue}s, blocking put/take. */
    public static final class Blocking extends PingPongs {
        final ArrayBlockingQueue<Long> ping = new ArrayBlockingQueue<>(2);
        final ArrayBlockingQueue<Long> pong = new ArrayBlockingQueue<>(2);

        public Blocking() {
            echo = Thread.ofPlatform().name("abq-echo").daemon().start(() -> {
                try {
                    while (running.get()) pong.put(ping.take());
                } catch (InterruptedException e) {
                    // closing
                }
            });
        }

        @Override
        public Object roundTrip() throws InterruptedException {
            ping.put(PING);
            return pong.take();
        }
    }

    /** A Unix-domain socket pair, 8-byte messages, blocking reads and writes. */
    public static final class UnixSocket extends PingPongs {
        final Path path;
        final SocketChannel client;
        final ByteBuffer out = ByteBuffer.allocateDirect(8);
        final ByteBuffer in = ByteBuffer.allocateDirect(8);

        public UnixSocket() throws IOException {
            path = Files.createTempDirectory("kosh-bench").resolve("echo.sock");
            ServerSocketChannel server = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
            client = SocketChannel.open(UnixDomainSocketAddress.of(path));
            SocketChannel accepted = server.accept();
            echo = Thread.ofPlatform().name("uds-echo").daemon().start(() -> {
                ByteBuffer b = ByteBuffer.allocateDirect(8);
                try (accepted; server) {
                    while (running.get()) {
                        b.clear();
                        while (b.hasRemaining()) if (accepted.read(b) < 0) return;
                        b.flip();
                        while (b.hasRemaining()) accepted.write(b);
                    }
                } catch (IOException e) {
                    // closing
                }
            });
        }

        @Override
        public Object roundTrip() throws IOException {
            out.clear();
            out.putLong(0, PING);
            while (out.hasRemaining()) client.write(out);
            in.clear();
            while (in.hasRemaining()) client.read(in);
            return in.getLong(0);
        }

        @Override
        public void close() throws Exception {
            running.set(false);
            client.close();
            echo.join(2000);
            Files.deleteIfExists(path);
            Files.deleteIfExists(path.getParent());
        }
    }
}
