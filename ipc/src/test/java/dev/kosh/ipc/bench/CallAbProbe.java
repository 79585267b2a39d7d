package dev.kosh.ipc.bench;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Old against new code in ONE JVM: the call round trip of two builds of {@code ipc} (and
 * {@code kernel-core}), each in its own class loader, and raw JCTools SPSC, in alternating windows
 * (old/new order swapped every window), so a burst of load from elsewhere hits both alike. On a
 * shared, loaded machine separate runs of the two builds cannot resolve a 10 % change; this can.
 * Run with the dependency jars only on the class path (not the {@code ipc} classes):
 * {@code java -cp <dependency jars>:ipc/target/test-classes dev.kosh.ipc.bench.CallAbProbe OLD_DIRS NEW_DIRS [n] [windows]},
 * each {@code *_DIRS} a comma-separated list such as
 * {@code ipc/target/test-classes,ipc/target/classes,kernel-core/target/classes} of one build.
 */
public final class CallAbProbe {
    private CallAbProbe() {
    }

    /** Loads the {@code dev.kosh} classes from {@code dirs} first (child first), everything else from the parent. */
    static ClassLoader build(String dirs) throws Exception {
        String[] d = dirs.split(",");
        URL[] urls = new URL[d.length];
        for (int i = 0; i < d.length; i++) urls[i] = Path.of(d[i]).toUri().toURL();
        return new URLClassLoader(urls, CallAbProbe.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (!name.startsWith("dev.kosh.")) return super.loadClass(name, resolve);
                synchronized (getClassLoadingLock(name)) {
                    Class<?> c = findLoadedClass(name);
                    if (c == null) c = findClass(name);
                    if (resolve) resolveClass(c);
                    return c;
                }
            }
        };
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 2 ? Integer.parseInt(args[2]) : 50_000;
        int windows = args.length > 3 ? Integer.parseInt(args[3]) : 15;
        ClassLoader[] builds = {build(args[0]), build(args[1])};
        AutoCloseable[] calls = new AutoCloseable[2];
        Method[] p50 = new Method[2];
        for (int i = 0; i < 2; i++) {
            calls[i] = (AutoCloseable) builds[i].loadClass("dev.kosh.ipc.bench.PingPongs$KernelCall").getConstructor(long.class).newInstance(1_000_000_000L);
            p50[i] = builds[i].loadClass("dev.kosh.ipc.bench.CallRatioProbe").getDeclaredMethod("p50", builds[i].loadClass("dev.kosh.ipc.bench.PingPongs"), int.class);
            p50[i].setAccessible(true);
        }
        Object raw = builds[0].loadClass("dev.kosh.ipc.bench.PingPongs$RawSpsc").getConstructor().newInstance();
        for (int i = 0; i < 4; i++) { // warm-up: let C2 compile every path
            p50[0].invoke(null, raw, n);
            p50[0].invoke(null, calls[0], n);
            p50[1].invoke(null, calls[1], n);
        }
        long[] r = new long[windows], o = new long[windows], nw = new long[windows];
        double[] ro = new double[windows], rn = new double[windows];
        StringBuilder line = new StringBuilder();
        for (int w = 0; w < windows; w++) {
            r[w] = (long) p50[0].invoke(null, raw, n);
            if ((w & 1) == 0) {
                o[w] = (long) p50[0].invoke(null, calls[0], n);
                nw[w] = (long) p50[1].invoke(null, calls[1], n);
            } else {
                nw[w] = (long) p50[1].invoke(null, calls[1], n);
                o[w] = (long) p50[0].invoke(null, calls[0], n);
            }
            ro[w] = (double) o[w] / r[w];
            rn[w] = (double) nw[w] / r[w];
            line.append(r[w]).append('/').append(o[w]).append('/').append(nw[w]).append(' ');
        }
        System.out.println("window p50 ns (raw/old/new): " + line);
        Arrays.sort(ro);
        Arrays.sort(rn);
        long bestRaw = Arrays.stream(r).min().orElseThrow(), bestOld = Arrays.stream(o).min().orElseThrow(), bestNew = Arrays.stream(nw).min().orElseThrow();
        System.out.println(String.format(Locale.ROOT, "call p50 / raw SPSC p50, median of windows: old %.2f, new %.2f; best windows: raw %d, old %d (%.2f), new %d (%.2f)",
                ro[windows / 2], rn[windows / 2], bestRaw, bestOld, (double) bestOld / bestRaw, bestNew, (double) bestNew / bestRaw));
        System.exit(0);
    }
}
