package dev.kosh.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSigner;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Date;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The driver-signature policy ({@code [kernel] driver.signatures} and {@code trust-store} in
 * {@code system.conf}). When it is {@code required}, a jar that asks for driver space
 * ({@code Kosh-Driver} or {@code Kosh-Space: driver}) is installed only if every entry is signed
 * (jarsigner) by a certificate in the trust store, valid today (not expired, not before its start
 * date), and no entry was changed after signing.
 *
 * <p>The check uses the JDK's own jar verification: every entry is read to its end (which is when
 * {@link JarFile} compares its digest with the signed manifest's, throwing {@link SecurityException}
 * on a mismatch), then its code signers are held against the trusted certificates. Stateless after
 * construction; any thread.
 */
final class Signatures {
    /** The policy that checks nothing (the shipped default: the null driver is not signed). */
    static final Signatures OFF = new Signatures(null, List.of());

    private final Path trustStore; // null when off
    private final List<X509Certificate> trusted;

    private Signatures(Path trustStore, List<X509Certificate> trusted) {
        this.trustStore = trustStore;
        this.trusted = List.copyOf(trusted);
    }

    /**
     * Loads the trust store: every certificate in it (trusted-certificate entries and the
     * certificates of key entries) is a trusted signer. {@code password} may be null: a PKCS12
     * store's certificates are readable without it when they were stored unencrypted (keytool's
     * {@code -importcert}); {@code scripts/sign-bundle} writes them so.
     */
    static Signatures required(Path trustStore, char[] password) throws IOException {
        if (!Files.isRegularFile(trustStore)) throw new IOException("trust store " + trustStore + " does not exist");
        try (InputStream in = Files.newInputStream(trustStore)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password);
            List<X509Certificate> certs = new ArrayList<>();
            for (Enumeration<String> aliases = ks.aliases(); aliases.hasMoreElements(); ) {
                Certificate c = ks.getCertificate(aliases.nextElement());
                if (c instanceof X509Certificate x) certs.add(x);
            }
            if (certs.isEmpty()) throw new IOException("trust store " + trustStore + " holds no certificate");
            return new Signatures(trustStore, certs);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read trust store " + trustStore + ": " + e.getMessage(), e);
        }
    }

    boolean isRequired() {
        return trustStore != null;
    }

    /** The trusted signers' subjects, for the boot line. */
    List<String> signers() {
        return trusted.stream().map(c -> c.getSubjectX500Principal().getName()).toList();
    }

    /** A jar that is not accepted, with the reason a user reads. */
    static final class Unsigned extends Exception {
        private static final long serialVersionUID = 1L;

        Unsigned(String reason) {
            super(reason);
        }
    }

    /** Whether the jar's manifest asks for driver space (only those jars must be signed). */
    static boolean asksForDriverSpace(Manifest m) {
        if (m == null) return false;
        Attributes a = m.getMainAttributes();
        String space = a.getValue(Spaces.SPACE_HEADER);
        return a.getValue(KoshFramework.DRIVER_HEADER) != null || (space != null && space.strip().equals("driver"));
    }

    /**
     * Checks {@code jar} when the policy requires it and the jar asks for driver space; returns
     * quietly otherwise. Throws with the reason: not signed, an entry not signed (added after
     * signing), an entry changed after signing, signed by a key the trust store does not hold, or
     * by a trusted key whose certificate has expired or is not valid yet.
     */
    void check(Path jar) throws Unsigned {
        if (!isRequired()) return;
        try (JarFile jf = new JarFile(jar.toFile(), true)) {
            if (!asksForDriverSpace(jf.getManifest())) return;
            verify(jf);
        } catch (IOException e) {
            throw new Unsigned("cannot read " + jar.getFileName() + " to verify its signature: " + e.getMessage());
        }
    }

    /** Verifies every entry of a driver jar opened with verification on. */
    void verify(JarFile jf) throws Unsigned, IOException {
        byte[] buffer = new byte[8192];
        int signedEntries = 0;
        List<JarEntry> entries = new ArrayList<>();
        for (Enumeration<JarEntry> e = jf.entries(); e.hasMoreElements(); ) entries.add(e.nextElement());
        for (JarEntry entry : entries) {
            try (InputStream in = jf.getInputStream(entry)) {
                while (in.read(buffer) >= 0) {
                    // reading to the end is what makes JarFile check the entry's digest
                }
            } catch (SecurityException tampered) {
                throw new Unsigned("driver signature check failed: " + entry.getName() + " was changed after signing (" + tampered.getMessage() + ")");
            }
            if (entry.isDirectory() || isSignatureFile(entry.getName())) continue;
            CodeSigner[] signers = entry.getCodeSigners();
            if (signers == null || signers.length == 0) {
                throw new Unsigned(jf.getManifest() != null && hasSignatureBlock(entries)
                        ? "driver signature check failed: " + entry.getName() + " is not covered by the signature (added after signing?)"
                        : "driver bundle is not signed, and driver.signatures = required (sign it with scripts/sign-bundle)");
            }
            String invalid = validityProblem(signers);
            if (invalid != null) {
                throw new Unsigned("driver signature check failed: " + entry.getName() + " is signed by " + invalid);
            }
            if (!trustedAmong(signers)) {
                throw new Unsigned("driver signature check failed: " + entry.getName() + " is signed by "
                        + signers[0].getSignerCertPath().getCertificates().stream().findFirst()
                                .map(c -> ((X509Certificate) c).getSubjectX500Principal().getName()).orElse("an unknown key")
                        + ", which is not in the trust store " + trustStore);
            }
            signedEntries++;
        }
        if (signedEntries == 0) throw new Unsigned("driver bundle has no signed content, and driver.signatures = required");
    }

    /**
     * Null if some signer whose path reaches a trusted certificate has every certificate of that
     * path valid now; otherwise why not (the first trusted signer's expired or not-yet-valid
     * certificate, with its dates). Null too when no signer is trusted: that reason comes next.
     * Timestamps (jarsigner -tsa) are not consulted: a signature made while the key was valid is
     * refused once the certificate has expired.
     */
    private String validityProblem(CodeSigner[] signers) {
        Date now = new Date();
        String problem = null;
        for (CodeSigner s : signers) {
            List<? extends Certificate> path = s.getSignerCertPath().getCertificates();
            if (path.stream().noneMatch(trusted::contains)) continue;
            String mine = null;
            for (Certificate c : path) {
                if (!(c instanceof X509Certificate x)) continue;
                String who = x.getSubjectX500Principal().getName();
                String valid = " (valid " + x.getNotBefore().toInstant() + " to " + x.getNotAfter().toInstant() + ")";
                try {
                    x.checkValidity(now);
                } catch (CertificateExpiredException e) {
                    mine = who + ", whose certificate expired on " + x.getNotAfter().toInstant() + valid;
                } catch (CertificateNotYetValidException e) {
                    mine = who + ", whose certificate is not valid until " + x.getNotBefore().toInstant() + valid;
                }
                if (mine != null) break;
                if (trusted.contains(c)) break; // the path is trusted from here on
            }
            if (mine == null) return null;
            if (problem == null) problem = mine;
        }
        return problem;
    }

    private boolean trustedAmong(CodeSigner[] signers) {
        for (CodeSigner s : signers) {
            for (Certificate c : s.getSignerCertPath().getCertificates()) {
                if (trusted.contains(c)) return true;
            }
        }
        return false;
    }

    private static boolean hasSignatureBlock(List<JarEntry> entries) {
        return entries.stream().anyMatch(e -> {
            String n = e.getName().toUpperCase(Locale.ROOT);
            return n.startsWith("META-INF/") && (n.endsWith(".RSA") || n.endsWith(".DSA") || n.endsWith(".EC"));
        });
    }

    /** The manifest and the signature files themselves are not signed entries. */
    private static boolean isSignatureFile(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        if (!n.startsWith("META-INF/") || n.indexOf('/', 9) >= 0) return false;
        return n.equals("META-INF/MANIFEST.MF") || n.endsWith(".SF") || n.endsWith(".RSA") || n.endsWith(".DSA") || n.endsWith(".EC")
                || n.startsWith("META-INF/SIG-");
    }
}
