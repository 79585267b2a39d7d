package dev.kosh.memory;

/**
 * Where a space's heap, mmap area and stacks start: randomised per space (ASLR) from
 * {@link VirtualMemory}'s random source.
 *
 * <table>
 *   <caption>Entropy (4 KiB granularity, user half of the 48-bit space)</caption>
 *   <tr><th>base</th><th>window</th><th>bits</th></tr>
 *   <tr><td>heap</td><td>{@code 0x1000_0000_0000 + r * 4096}, r &lt; 2^{@value #HEAP_ENTROPY_BITS}</td><td>28</td></tr>
 *   <tr><td>mmap (top-down)</td><td>{@code 0x6000_0000_0000 - r * 4096}, r &lt; 2^{@value #MMAP_ENTROPY_BITS}</td><td>28</td></tr>
 *   <tr><td>stack top</td><td>{@code 0x7FFF_FFFF_F000 - r * 4096}, r &lt; 2^{@value #STACK_ENTROPY_BITS}</td><td>22</td></tr>
 * </table>
 *
 * The windows cannot meet: the heap window ends at {@code 0x1100_0000_0000}, the mmap window
 * starts above {@code 0x5F00_0000_0000} and the stack window above {@code 0x7FFB_FFFF_F000}.
 *
 * @param heapBase first byte of the heap
 * @param mmapBase anonymous regions are placed downwards from here
 * @param stackTop the first stack ends here; further stacks go below it
 */
public record AddressLayout(long heapBase, long mmapBase, long stackTop) {

    /** Bits of randomness in the heap base. */
    public static final int HEAP_ENTROPY_BITS = 28;
    /** Bits of randomness in the mmap base. */
    public static final int MMAP_ENTROPY_BITS = 28;
    /** Bits of randomness in the stack top. */
    public static final int STACK_ENTROPY_BITS = 22;
    /** The lowest heap base. */
    public static final long HEAP_WINDOW = 0x0000_1000_0000_0000L;
    /** The highest mmap base. */
    public static final long MMAP_WINDOW = 0x0000_6000_0000_0000L;
    /** The highest stack top: the last page below the top of the user half. */
    public static final long STACK_WINDOW = 0x0000_7FFF_FFFF_F000L;

    /** The layout for three random page counts, each already below its window's bound. */
    public static AddressLayout of(long heapPages, long mmapPages, long stackPages) {
        return new AddressLayout(HEAP_WINDOW + (heapPages << 12), MMAP_WINDOW - (mmapPages << 12),
                STACK_WINDOW - (stackPages << 12));
    }
}
