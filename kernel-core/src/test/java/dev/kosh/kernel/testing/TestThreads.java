package dev.kosh.kernel.testing;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

import dev.kosh.kernel.process.KoshProcess;
import dev.kosh.kernel.process.ThreadHost;

/** A thread host for kernel tests (kernel-core may not depend on the scheduler): daemon threads named pid-N/name. */
public final class TestThreads implements ThreadHost {
    private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();

    @Override
    public Thread newThread(KoshProcess owner, String name, Runnable body) {
        return Thread.ofPlatform().name("pid-" + owner.pid() + "/" + name).daemon(true).unstarted(body);
    }

    @Override
    public long cpuTimeNanos(Thread thread) {
        return thread.isAlive() && mx.isThreadCpuTimeSupported() ? mx.getThreadCpuTime(thread.threadId()) : -1;
    }

    @Override
    public long currentThreadCpuTimeNanos() {
        return mx.isThreadCpuTimeSupported() ? mx.getCurrentThreadCpuTime() : -1;
    }
}
