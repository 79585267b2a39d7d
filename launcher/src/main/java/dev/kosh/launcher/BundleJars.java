package dev.kosh.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.zip.ZipException;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;

/**
 * Checks and installs bundle jars from the host file system (deploy folder, {@code run PATH},
 * {@code insdrv PATH}). The framework gets a copy of the bytes, so replacing or deleting the file
 * later never changes what is installed behind the kernel's back.
 */
final class BundleJars {
    private BundleJars() {}

    /** What a jar's manifest says, once the jar is known to be a complete bundle. */
    record Manifested(String symbolicName, String version, boolean program, String driverName) {}

    /** A jar that cannot be installed, with the reason a user reads. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String reason) {
            super(reason);
        }
    }

    /** Opens the jar fully (a half-written or corrupt zip fails here) and reads its manifest. */
    static Manifested inspect(Path jar) throws Refused {
        if (!Files.isRegularFile(jar)) throw new Refused(jar + " is not a file");
        try (JarFile jf = new JarFile(jar.toFile(), false)) {
            Manifest m = jf.getManifest();
            if (m == null) throw new Refused("no META-INF/MANIFEST.MF: not a bundle");
            Attributes a = m.getMainAttributes();
            String bsn = a.getValue("Bundle-SymbolicName");
            if (bsn == null || bsn.isBlank()) throw new Refused("no Bundle-SymbolicName in its manifest: not an OSGi bundle");
            bsn = bsn.split(";")[0].strip();
            String version = a.getValue("Bundle-Version") == null ? "0.0.0" : a.getValue("Bundle-Version");
            return new Manifested(bsn, version, a.getValue(KoshFramework.MAIN_HEADER) != null, a.getValue(KoshFramework.DRIVER_HEADER));
        } catch (ZipException e) {
            throw new Refused("not a valid jar (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new Refused("cannot read: " + e.getMessage());
        }
    }

    /**
     * Installs the jar under {@code location}, or updates the bundle already there; then starts it
     * (resolving it). A driver jar must first pass the framework's signature policy.
     */
    static Bundle installOrUpdate(KoshFramework framework, String location, Path jar) throws Refused, InterruptedException {
        try {
            framework.signatures().check(jar);
        } catch (Signatures.Unsigned u) {
            throw new Refused(u.getMessage());
        }
        Bundle existing = framework.context().getBundle(location);
        Bundle bundle;
        try (InputStream in = Files.newInputStream(jar)) {
            if (existing != null) {
                existing.update(in);
                framework.refresh(java.util.List.of(existing));
                bundle = existing;
            } else {
                bundle = framework.context().installBundle(location, in);
            }
        } catch (BundleException e) {
            throw new Refused("install failed: " + e.getMessage());
        } catch (IOException e) {
            throw new Refused("cannot read: " + e.getMessage());
        }
        try {
            bundle.start();
        } catch (BundleException e) {
            String why = framework.explain(bundle, e);
            uninstallQuietly(framework, bundle);
            throw new Refused("cannot resolve: " + why);
        }
        return bundle;
    }

    static void uninstallQuietly(KoshFramework framework, Bundle bundle) throws InterruptedException {
        try {
            bundle.uninstall();
        } catch (BundleException | IllegalStateException e) {
            return; // already gone
        }
        framework.refresh(java.util.List.of(bundle));
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
