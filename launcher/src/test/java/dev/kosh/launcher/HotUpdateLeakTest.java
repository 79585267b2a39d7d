package dev.kosh.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.wiring.BundleWiring;

import dev.kosh.kernel.process.KoshProcess;

/** Updating a deployed bundle many times leaves no old revision reachable (no class-loader leak). */
class HotUpdateLeakTest {
    private static final String NAME = "dev.kosh.test.leaky";
    private static final int CYCLES = 50;

    @TempDir
    Path data;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void fiftyUpdatesLeaveNoOldRevisionReachable() throws Exception {
        List<WeakReference<ClassLoader>> loaders = new ArrayList<>();
        try (KernelFixture k = new KernelFixture(data, "")) {
            Path jar = data.resolve("deploy/leaky.jar");
            for (int i = 0; i < CYCLES; i++) {
                String version = "1.0." + i;
                KernelFixture.relabel("heartbeat.jar", jar, Map.of("Bundle-SymbolicName", NAME, "Bundle-Version", version));
                k.await(() -> runningVersion(k).equals(version), Duration.ofSeconds(20), "version " + version + " running");
                Bundle b = k.kernel.framework().bundle(NAME).orElseThrow();
                BundleWiring wiring = b.adapt(BundleWiring.class);
                assertTrue(wiring != null && wiring.isCurrent(), "the running version is resolved and current");
                loaders.add(new WeakReference<>(wiring.getClassLoader()));
            }
            List<KoshProcess> running = k.kernel.processes().runningProgram(NAME);
            assertEquals(1, running.size(), "exactly one process of the bundle runs after the updates");

            int reachable = reachableAfterGc(loaders.subList(0, CYCLES - 1));
            List<Integer> alive = new ArrayList<>();
            for (int i = 0; i < CYCLES - 1; i++) if (loaders.get(i).get() != null) alive.add(i);
            assertEquals(0, reachable, reachable + " of " + (CYCLES - 1) + " old revisions are still reachable: revisions " + alive);
            assertTrue(loaders.get(CYCLES - 1).get() != null, "the current revision is alive");
        }
    }

    private static String runningVersion(KernelFixture k) {
        List<KoshProcess> ps = k.kernel.processes().runningProgram(NAME);
        if (ps.size() != 1) return "";
        String origin = ps.getFirst().image().origin(); // "name version #id"
        return origin.split(" ")[1];
    }

    private static int reachableAfterGc(List<WeakReference<ClassLoader>> refs) throws InterruptedException {
        int reachable = refs.size();
        for (int attempt = 0; attempt < 20 && reachable > 0; attempt++) {
            System.gc();
            Thread.sleep(50);
            reachable = (int) refs.stream().filter(r -> r.get() != null).count();
        }
        return reachable;
    }
}
