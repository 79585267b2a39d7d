package dev.kosh.memory;

import dev.kosh.memory.spi.SwapAlgorithm;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How a {@link VirtualMemory} is set up.
 *
 * @param random        the ASLR source ({@link SecureRandom} by default; seeded in tests)
 * @param aslr          whether bases are randomised (off: every space gets the windows' bounds)
 * @param swapFile      the swap file, or null for no swap
 * @param swapSlots     4 KiB slots in the swap file
 * @param swapAlgorithm the replacement policy, or null for CLOCK
 * @param swapBackend   how the swap file is read and written (FileChannel unless set)
 */
public record VmConfig(RandomGenerator random, boolean aslr, Path swapFile, int swapSlots, SwapAlgorithm swapAlgorithm,
                       SwapBackend swapBackend) {

    public VmConfig {
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(swapBackend, "swapBackend");
        if (swapFile != null && swapSlots <= 0) {
            throw new IllegalArgumentException("a swap file needs a positive slot count, got " + swapSlots);
        }
    }

    /** ASLR from a {@link SecureRandom}, no swap. */
    public static VmConfig defaults() {
        return new VmConfig(new SecureRandom(), true, null, 0, null, SwapBackend.FILE_CHANNEL);
    }

    /** The same, with another random source. */
    public VmConfig withRandom(RandomGenerator random) {
        return new VmConfig(random, aslr, swapFile, swapSlots, swapAlgorithm, swapBackend);
    }

    /** The same, with ASLR on or off. */
    public VmConfig withAslr(boolean aslr) {
        return new VmConfig(random, aslr, swapFile, swapSlots, swapAlgorithm, swapBackend);
    }

    /** The same, with a swap file of {@code slots} pages and a replacement policy (null: CLOCK). */
    public VmConfig withSwap(Path file, int slots, SwapAlgorithm algorithm) {
        return new VmConfig(random, aslr, Objects.requireNonNull(file, "file"), slots, algorithm, swapBackend);
    }

    /** The same, with the swap file read and written by {@code backend}. */
    public VmConfig withSwapBackend(SwapBackend backend) {
        return new VmConfig(random, aslr, swapFile, swapSlots, swapAlgorithm, backend);
    }
}
