package dev.kosh.it.bench;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * The baseline of the boot benchmark: Equinox alone, embedded the same way, with the same system
 * bundles installed and started, and nothing of Kosh. Prints "ready in N ms" (from JVM start) and
 * idles until killed, or exits at once given a third argument {@code --exit} (AOT training).
 */
public final class BareEquinox {
    public static void main(String[] args) throws Exception {
        Path storage = Path.of(args[0]);
        Path system = Path.of(args[1]);
        Map<String, String> props = new HashMap<>();
        props.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        props.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, "dev.kosh.api;version=1.0.0,dev.kosh.driver.api;version=1.1.0");
        Framework fw = ServiceLoader.load(FrameworkFactory.class).findFirst().orElseThrow().newFramework(props);
        fw.init();
        fw.start();
        List<Bundle> bundles = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(system, "*.jar")) {
            for (Path jar : ds) {
                try (InputStream in = Files.newInputStream(jar)) {
                    bundles.add(fw.getBundleContext().installBundle("bare:" + jar.getFileName(), in));
                }
            }
        }
        for (Bundle b : bundles) b.start();
        long ms = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
        System.out.println("bare equinox: ready in " + ms + " ms (" + bundles.size() + " bundles)");
        System.out.flush();
        if (args.length > 2 && args[2].equals("--exit")) {
            fw.stop();
            fw.waitForStop(10_000);
            System.exit(0); // an AOT training run: the cache is written at a normal exit
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
