package dev.kosh.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed drivers: with {@code driver.signatures = required}, a driver jar is installed only when
 * every entry is signed by a key in the trust store; keys and signatures come from
 * {@code scripts/sign-bundle}, so the tooling is tested too.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SignedDriverTest {
    static final Path SCRIPT = Path.of("../scripts/sign-bundle");

    @TempDir
    static Path dir;
    static Path trusted;
    static Path stranger;
    static KernelFixture k;
    static Shell shell;
    static final ByteArrayOutputStream output = new ByteArrayOutputStream();

    @BeforeAll
    static void boot() throws Exception {
        trusted = dir.resolve("keys");
        stranger = dir.resolve("other-keys");
        sign(trusted, "--init");
        sign(stranger, "--alias", "stranger", "--init");
        Path conf = dir.resolve("system.conf");
        // A relative trust store is found next to the configuration file.
        Files.writeString(conf, "[kernel]\ndriver.signatures = required\ntrust-store = keys/trust.p12\n");
        k = new KernelFixture(dir.resolve("data"), dev.kosh.kernel.config.ConfigParser.parse(conf));
        shell = new Shell(k.kernel, new PrintStream(output, true, StandardCharsets.UTF_8));
    }

    @AfterAll
    static void halt() {
        if (k != null) k.close();
    }

    static void sign(Path keys, String... args) throws Exception {
        var cmd = new java.util.ArrayList<String>(java.util.List.of("bash", SCRIPT.toString(), "--keys", keys.toString()));
        cmd.addAll(java.util.List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "sign-bundle timed out");
        assertEquals(0, p.exitValue(), "sign-bundle failed: " + out);
    }

    /** A driver bundle of its own name, made from the null driver. */
    static Path driverJar(String name) throws IOException {
        return KernelFixture.relabel("null-driver.jar", dir.resolve(name + ".jar"),
                Map.of("Bundle-SymbolicName", "dev.kosh.driver." + name, "Kosh-Driver", name));
    }

    private static String insdrv(Path jar) {
        output.reset();
        boolean ok = shell.execute("insdrv " + jar);
        String out = output.toString(StandardCharsets.UTF_8);
        return (ok ? "ok: " : "refused: ") + out;
    }

    @Test
    void aDriverSignedByATrustedKeyIsInstalledAndRuns() throws Exception {
        Path jar = driverJar("signedone");
        sign(trusted, jar.toString());
        String out = insdrv(jar);
        assertTrue(out.startsWith("ok: ") && out.contains("driver signedone running as pid"), out);
    }

    @Test
    void anUnsignedDriverIsRefusedAtInstallWithTheReason() throws Exception {
        String out = insdrv(driverJar("unsigned"));
        assertTrue(out.startsWith("refused: ") && out.contains("not signed") && out.contains("driver.signatures = required"), out);
        assertTrue(k.kernel.framework().bundle("dev.kosh.driver.unsigned").isEmpty(), "nothing was installed");
    }

    @Test
    void aSignedDriverWithOneByteOfAClassChangedIsRefused() throws Exception {
        Path jar = driverJar("tampered");
        sign(trusted, jar.toString());
        Path tampered = flipOneByteOfAClass(jar, dir.resolve("tampered-copy.jar"));
        String out = insdrv(tampered);
        assertTrue(out.startsWith("refused: ") && out.contains("changed after signing") && out.contains(".class"), out);
    }

    @Test
    void aDriverSignedByAKeyOutsideTheTrustStoreIsRefused() throws Exception {
        Path jar = driverJar("strangers");
        sign(stranger, "--alias", "stranger", jar.toString());
        String out = insdrv(jar);
        assertTrue(out.startsWith("refused: ") && out.contains("not in the trust store") && out.contains("stranger"), out);
    }

    @Test
    void theUnsignedSystemDriverIsRefusedAtBootAndJournaled() throws Exception {
        assertTrue(k.kernel.framework().bundle("dev.kosh.driver.null").isEmpty(), "the shipped null driver is not signed");
        output.reset();
        shell.execute("dmesg -n 200");
        assertTrue(output.toString(StandardCharsets.UTF_8).contains("null-driver.jar: refused: driver bundle is not signed"), output.toString());
    }

    /**
     * Keys made by keytool with a validity in the past and in the future (sign-bundle's
     * --startdate/--validity): jarsigner signs with them (warning only), the kernel refuses them,
     * naming the signer and the dates. Checked against a trust store holding those certificates.
     */
    @Test
    void aDriverSignedWithAnExpiredCertificateIsRefusedWithItsDates() throws Exception {
        Path keys = dir.resolve("expired-keys");
        sign(keys, "--alias", "expired", "--startdate", "-400d", "--validity", "30", "--init");
        Path jar = driverJar("expired");
        sign(keys, "--alias", "expired", jar.toString());
        Signatures policy = Signatures.required(keys.resolve("trust.p12"), null);
        Signatures.Unsigned refused = assertThrows(Signatures.Unsigned.class, () -> policy.check(jar));
        assertTrue(refused.getMessage().contains("expired") && refused.getMessage().contains("CN=Kosh development signer (expired)")
                && refused.getMessage().contains("valid 20"), refused.getMessage());
    }

    @Test
    void aDriverSignedWithACertificateNotValidYetIsRefused() throws Exception {
        Path keys = dir.resolve("future-keys");
        sign(keys, "--alias", "future", "--startdate", "+30d", "--validity", "365", "--init");
        Path jar = driverJar("future");
        sign(keys, "--alias", "future", jar.toString());
        Signatures.Unsigned refused = assertThrows(Signatures.Unsigned.class,
                () -> Signatures.required(keys.resolve("trust.p12"), null).check(jar));
        assertTrue(refused.getMessage().contains("not valid until") && refused.getMessage().contains("(future)"), refused.getMessage());
    }

    @Test
    void aCurrentlyValidTrustedSignatureStillPassesTheDirectCheck() throws Exception {
        Path jar = driverJar("valid");
        sign(trusted, jar.toString());
        Signatures.required(trusted.resolve("trust.p12"), null).check(jar); // no exception
    }

    @Test
    void aProgramBundleNeedsNoSignature() {
        output.reset();
        assertTrue(shell.execute("run dev.kosh.hello unsigned programs still run"), output.toString());
    }

    @Test
    void theOffPolicyChecksNothingAndAMissingTrustStoreIsAnError() throws Exception {
        Signatures.OFF.check(dir.resolve("does-not-exist.jar"));
        assertFalse(Signatures.OFF.isRequired());
        assertThrows(IOException.class, () -> Signatures.required(dir.resolve("nowhere.p12"), null));
        Path empty = dir.resolve("empty.p12");
        var ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (OutputStream os = Files.newOutputStream(empty)) {
            ks.store(os, "x".toCharArray());
        }
        assertThrows(IOException.class, () -> Signatures.required(empty, null));
    }

    /** A copy of {@code jar} with the last byte of its first class flipped; the signature files kept as they were. */
    static Path flipOneByteOfAClass(Path jar, Path target) throws IOException {
        boolean flipped = false;
        try (ZipFile in = new ZipFile(jar.toFile()); ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(target))) {
            for (Enumeration<? extends ZipEntry> e = in.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                byte[] bytes;
                try (InputStream is = in.getInputStream(entry)) {
                    bytes = is.readAllBytes();
                }
                if (!flipped && entry.getName().endsWith(".class")) {
                    bytes[bytes.length - 1] ^= 1;
                    flipped = true;
                }
                out.putNextEntry(new ZipEntry(entry.getName()));
                out.write(bytes);
                out.closeEntry();
            }
        }
        assertTrue(flipped, "the jar has a class");
        return target;
    }
}
