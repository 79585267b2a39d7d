package dev.kosh.kernel.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

/** The block.* keys of a [driver] section: the block device the kernel grants that driver. */
class BlockBackingConfigTest {

    private static DriverSpec driver(String text) throws ConfigException {
        return ConfigParser.parse("t.conf", text).drivers().getFirst();
    }

    private static void fails(String text, int line, String start) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse("t.conf", text));
        assertTrue(e.getMessage().startsWith("t.conf:" + line + ": " + start), e.getMessage());
    }

    @Test
    void aDriverSectionGrantsABackingFileWithItsSizeDirectModeAndQueueDepth() throws Exception {
        DriverSpec d = driver("[driver block]\nbundle = dev.kosh.driver.block\nblock.file = /var/kosh/disk.img\nblock.size = 64M\n"
                + "block.direct = on\nblock.queue-depth = 64\n");
        assertEquals(Optional.of(new BlockBackingSpec("/var/kosh/disk.img", 64L << 20, BlockBackingSpec.Direct.ON, 64)), d.block());
    }

    @Test
    void defaultsAreTheFilesOwnSizeDirectWhenPossibleAndDepth32() throws Exception {
        DriverSpec d = driver("[driver block]\nbundle = b\nblock.file = disk.img\n");
        assertEquals(Optional.of(new BlockBackingSpec("disk.img", 0, BlockBackingSpec.Direct.AUTO, 32)), d.block());
        assertEquals(BlockBackingSpec.Direct.OFF, driver("[driver b]\nbundle = b\nblock.file = f\nblock.direct = off\n").block().orElseThrow().direct());
        assertEquals(Optional.empty(), driver("[driver null]\nbundle = b\n").block(), "no block.* keys, no block device");
    }

    @Test
    void mistakesInBlockKeysStopTheBootWithTheLine() {
        fails("[driver block]\nbundle = b\nblock.size = 64M\n", 3, "[driver block] sets block.* keys but no block.file");
        fails("[driver block]\nbundle = b\nblock.file = f\nblock.size = 10000\n", 4, "block.size must be a multiple of 4096 bytes");
        fails("[driver block]\nbundle = b\nblock.file = f\nblock.size = lots\n", 4, "expected a size");
        fails("[driver block]\nbundle = b\nblock.file = f\nblock.direct = maybe\n", 4, "block.direct must be auto, on or off");
        fails("[driver block]\nbundle = b\nblock.file = f\nblock.queue-depth = 0\n", 4, "0 is out of range 1..4096");
        fails("[service s]\nprogram = p\nblock.file = f\n", 3, "unknown key 'block.file'");
    }
}
