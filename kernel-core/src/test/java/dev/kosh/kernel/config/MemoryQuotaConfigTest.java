package dev.kosh.kernel.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code memory.quota} and {@code swap.quota} in [kernel], [service] and [driver] sections. */
class MemoryQuotaConfigTest {

    private static SystemConfig parse(String text) throws ConfigException {
        return ConfigParser.parse("test.conf", text);
    }

    @Test
    void withoutKeysEveryoneGetsTheBuiltInQuota() throws ConfigException {
        SystemConfig c = parse("[service a]\nprogram = x\n");
        assertEquals(MemoryQuota.DEFAULT, c.memoryQuotas().forService("a"));
        assertEquals(MemoryQuota.DEFAULT, c.memoryQuotas().forService("not-configured"));
        assertEquals(MemoryQuota.DEFAULT, SystemConfig.empty().memoryQuotas().defaults());
    }

    @Test
    void kernelDefaultsAreInheritedKeyByKey() throws ConfigException {
        SystemConfig c = parse("""
                [service small]
                program = x
                memory.quota = 1M
                [kernel]
                memory.quota = 32M
                swap.quota = 8M
                [driver d]
                bundle = y
                swap.quota = off
                [service plain]
                program = z
                """);
        assertEquals(new MemoryQuota(256, 2048), c.memoryQuotas().forService("small"), "kernel's swap quota, its own frames");
        assertEquals(new MemoryQuota(8192, 0), c.memoryQuotas().forDriver("d"));
        assertEquals(new MemoryQuota(8192, 2048), c.memoryQuotas().forService("plain"));
        assertEquals(new MemoryQuota(8192, 2048), c.memoryQuotas().forDriver("other"));
        assertEquals("32M memory, 8M swap", c.memoryQuotas().defaults().describe());
        // The quotas survive the one copy the launcher makes.
        assertEquals(c.memoryQuotas(), c.withHttpPort(0).memoryQuotas());
    }

    @Test
    void badQuotasStopTheBootWithTheLine() {
        ConfigException tooSmall = assertThrows(ConfigException.class, () -> parse("[kernel]\nmemory.quota = 4K\n"));
        assertEquals(2, tooSmall.line());
        ConfigException unaligned = assertThrows(ConfigException.class, () -> parse("[service a]\nprogram = x\nswap.quota = 5000\n"));
        assertTrue(unaligned.getMessage().contains("multiple of 4K"), unaligned.getMessage());
        assertThrows(ConfigException.class, () -> parse("[service a]\nprogram = x\nmemory.quota = lots\n"));
        assertThrows(ConfigException.class, () -> parse("[kernel]\nswap.quota = 128G\n"));
        assertThrows(IllegalArgumentException.class, () -> new MemoryQuota(4, 0));
        assertThrows(IllegalArgumentException.class, () -> new MemoryQuota(5, -1));
    }

    @Test
    void theShippedConfigurationParses() throws ConfigException {
        SystemConfig c = ConfigParser.parse(Path.of("../config/system.conf"));
        assertTrue(c.memoryQuotas().defaults().frames() >= MemoryQuota.MIN_FRAMES);
    }
}
