package dev.kosh.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class OptionsTest {
    private static final Path HOME = Path.of("/opt/kosh");

    @Test
    void defaultsComeFromTheHomeDirectory() throws Exception {
        Options o = Options.parse(new String[0], HOME);
        assertEquals(HOME.resolve("config/system.conf"), o.config());
        assertEquals(Path.of("var"), o.data());
        assertEquals(null, o.httpPort());
    }

    @Test
    void everyOptionTakesItsValueSeparatelyOrAfterAnEqualsSign() throws Exception {
        Options o = Options.parse(new String[] {"--config", "a.conf", "--data=d", "--http", "0", "--exec=ps; uptime", "--no-shell"}, HOME);
        assertEquals(Path.of("a.conf"), o.config());
        assertEquals(Path.of("d"), o.data());
        assertEquals(0, o.httpPort());
        assertEquals("ps; uptime", o.exec());
        assertTrue(o.noShell());
        assertTrue(Options.parse(new String[] {"-h"}, HOME).help());
    }

    @Test
    void badOptionsAreNamed() {
        assertEquals("unknown option '--frob' (see --help)", assertThrows(Options.UsageException.class,
                () -> Options.parse(new String[] {"--frob"}, HOME)).getMessage());
        assertEquals("--data needs a value", assertThrows(Options.UsageException.class,
                () -> Options.parse(new String[] {"--data"}, HOME)).getMessage());
        assertEquals("--http needs a port number (0 = off), not 'x'", assertThrows(Options.UsageException.class,
                () -> Options.parse(new String[] {"--http", "x"}, HOME)).getMessage());
        assertEquals("--http port must be 0..65535, not 70000", assertThrows(Options.UsageException.class,
                () -> Options.parse(new String[] {"--http", "70000"}, HOME)).getMessage());
    }
}
