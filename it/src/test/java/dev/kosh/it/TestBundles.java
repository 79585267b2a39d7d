package dev.kosh.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Bundles for the tests, made from the bundles the build produced by rewriting their manifests
 * (a new symbolic name, so they do not clash with the installed system bundles; a new version for
 * updates; a bad import for resolution failures).
 */
final class TestBundles {
    private TestBundles() {}

    static Path systemBundle(String file) {
        return KoshInstance.DIST.resolve("system").resolve(file);
    }

    /** Copies {@code source} to {@code target} with these manifest headers set (null removes one). */
    static Path relabel(Path source, Path target, Map<String, String> headers) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try (JarFile in = new JarFile(source.toFile());
             OutputStream os = Files.newOutputStream(tmp)) {
            Manifest m = new Manifest(in.getManifest());
            Attributes a = m.getMainAttributes();
            headers.forEach((k, v) -> {
                if (v == null) a.remove(new Attributes.Name(k));
                else a.putValue(k, v);
            });
            try (JarOutputStream out = new JarOutputStream(os, m)) {
                Enumeration<JarEntry> entries = in.entries();
                while (entries.hasMoreElements()) {
                    JarEntry e = entries.nextElement();
                    if (e.getName().equalsIgnoreCase("META-INF/MANIFEST.MF")) continue;
                    out.putNextEntry(new JarEntry(e.getName()));
                    try (InputStream is = in.getInputStream(e)) {
                        is.transferTo(out);
                    }
                    out.closeEntry();
                }
            }
        }
        // Renamed into place, as a careful deployer would; the watcher also copes with slow writers.
        Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return target;
    }
}
