package dev.kosh.memory.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.kosh.memory.ArenaBacking;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The host memory behind the arena: the one class of this module that talks to the host.
 *
 * <p>Why not {@code Arena.allocate}: it zeroes the whole segment before returning, about
 * 100 ms for 256 MiB on the boot path. An anonymous {@code mmap} returns at once; the host
 * commits a page, already zeroed, the first time it is touched. Fresh frames therefore read
 * as zero under every backing, so nothing above this class can tell them apart except by speed.
 *
 * <p>The order tried is {@code MAP_HUGETLB} (2 MiB pages from the hugetlb pool, only when the
 * size is a multiple of 2 MiB), then an ordinary {@code MAP_PRIVATE | MAP_ANONYMOUS |
 * MAP_NORESERVE} mapping, then {@code Arena.allocate}. The huge-page mapping is made
 * <em>without</em> {@code MAP_NORESERVE} on purpose: with it, the host would accept the mapping
 * even with an empty pool and kill the JVM with {@code SIGBUS} at the first touch it cannot back;
 * without it, the host reserves every huge page at {@code mmap} time or fails with
 * {@code ENOMEM}, which is the fallback signal. A {@code memfd_create(MFD_HUGETLB)} file draws
 * from the same pool, so it would fail in the same cases; it is worth adding only when the arena
 * must be shared with another process.
 *
 * <p>The mapping's segment belongs to a shared {@link Arena}: {@link #close} first closes that
 * arena, so any later access through a segment of the arena throws {@link IllegalStateException}
 * rather than touching unmapped memory, and only then unmaps. The flag values are the generic
 * Linux ones, which x86-64 and arm64 share; other architectures and other systems get the Java
 * arena.
 *
 * <p>Thread safety: {@link #segment()} may be used from any thread; {@link #close} once, when
 * no other thread uses the segment.
 */
public final class HostArena implements AutoCloseable {

    /** The host's huge page size this class asks for. */
    public static final long HUGE_PAGE_SIZE = 2L << 20;
    private static final long SMALL_PAGE_SIZE = 4096;

    private static final int PROT_READ = 0x1, PROT_WRITE = 0x2;
    private static final int MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000,
            MAP_HUGETLB = 0x40000, MAP_HUGE_SHIFT = 26;
    private static final int MAP_HUGE_2MB = 21 << MAP_HUGE_SHIFT;
    private static final int ORDINARY_FLAGS = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
    private static final int HUGE_FLAGS = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB;
    private static final Path HUGE_POOL = Path.of("/sys/kernel/mm/hugepages/hugepages-2048kB");

    private final Arena arena;
    private final MemorySegment segment;
    /** The mapping's base address for munmap; 0 for the Java arena. */
    private final long mappedAddress;
    private final ArenaBacking backing;
    private final AtomicBoolean closed = new AtomicBoolean();

    private HostArena(Arena arena, MemorySegment segment, long mappedAddress, ArenaBacking backing) {
        this.arena = arena;
        this.segment = segment;
        this.mappedAddress = mappedAddress;
        this.backing = backing;
    }

    /**
     * Gets {@code sizeBytes} of zeroed, 4 KiB-aligned memory from the best backing the policy
     * allows. Never fails over to a worse backing silently: the reason is in {@link #backing()}.
     *
     * @param sizeBytes a positive multiple of 4096
     * @throws OutOfMemoryError if not even the Java arena can be allocated
     */
    public static HostArena allocate(long sizeBytes, ArenaBacking.Policy policy) {
        StringBuilder why = new StringBuilder();
        switch (policy) {
            case JAVA_ONLY -> why.append("Java arena requested");
            case ORDINARY_PAGES, PREFER_HUGE_PAGES -> {
                if (Native.UNAVAILABLE != null) {
                    why.append(Native.UNAVAILABLE);
                    break;
                }
                if (policy == ArenaBacking.Policy.PREFER_HUGE_PAGES) {
                    if (sizeBytes % HUGE_PAGE_SIZE != 0) {
                        why.append("size is not a multiple of 2 MiB, no huge pages; ");
                    } else {
                        long address = Native.mmap(sizeBytes, HUGE_FLAGS);
                        if (address >= 0) {
                            return mapped(address, sizeBytes, new ArenaBacking(ArenaBacking.Kind.HUGE_PAGES,
                                    HUGE_PAGE_SIZE, "MAP_HUGETLB reserved " + sizeBytes / HUGE_PAGE_SIZE
                                    + " pages, committed on first touch"));
                        }
                        why.append("MAP_HUGETLB failed with ").append(errnoName((int) -address))
                           .append(" (").append(hugePoolState()).append("); ");
                    }
                } else {
                    why.append("ordinary pages requested; ");
                }
                long address = Native.mmap(sizeBytes, ORDINARY_FLAGS);
                if (address >= 0) {
                    return mapped(address, sizeBytes, new ArenaBacking(ArenaBacking.Kind.ANONYMOUS_MMAP,
                            SMALL_PAGE_SIZE, why + "pages committed on first touch"));
                }
                why.append("mmap failed with ").append(errnoName((int) -address));
            }
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment segment = arena.allocate(sizeBytes, SMALL_PAGE_SIZE);
            return new HostArena(arena, segment, 0, new ArenaBacking(ArenaBacking.Kind.JAVA_ARENA,
                    SMALL_PAGE_SIZE, why + "; zeroed up front by the JVM"));
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    // Restricted: turning a raw mmap address into a segment is the point of this class; its
    // bounds are exactly the mapping's and its lifetime the arena's, which close() ends
    // before it unmaps.
    @SuppressWarnings("restricted")
    private static HostArena mapped(long address, long sizeBytes, ArenaBacking backing) {
        Arena arena = Arena.ofShared();
        MemorySegment segment = MemorySegment.ofAddress(address).reinterpret(sizeBytes, arena, null);
        return new HostArena(arena, segment, address, backing);
    }

    /**
     * Binds and checks the host calls {@link #allocate} needs, if that has not happened yet.
     * In a JVM that has not used {@code java.lang.foreign} before, this is most of the cost of
     * creating the arena (measured: about 80 ms; under 10 ms once another part of the JVM has
     * bound any native function). The boot sequence may call it from a background thread early,
     * so that {@link #allocate} later costs about a millisecond.
     *
     * <p>Any thread; idempotent; a second caller waits for the first to finish.
     *
     * @return null if the host calls are usable, else why not (what {@link #allocate} will
     *         then report in its backing's reason)
     */
    public static String prepare() {
        Native.prepare();
        return Native.UNAVAILABLE;
    }

    /** The arena's memory; unusable after {@link #close}. */
    public MemorySegment segment() {
        return segment;
    }

    /** What backs the segment and why. */
    public ArenaBacking backing() {
        return backing;
    }

    /**
     * Ends the segment's lifetime, then gives the memory back to the host. Idempotent.
     *
     * @throws IllegalStateException if munmap fails: the address or length is wrong, a bug here
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        arena.close();
        if (mappedAddress != 0) {
            int errno = Native.munmap(mappedAddress, segment.byteSize());
            if (errno != 0) {
                throw new IllegalStateException("munmap of the memory arena at 0x" + Long.toHexString(mappedAddress)
                        + " failed with " + errnoName(errno));
            }
        }
    }

    private static String hugePoolState() {
        try {
            String free = Files.readString(HUGE_POOL.resolve("free_hugepages")).strip();
            String total = Files.readString(HUGE_POOL.resolve("nr_hugepages")).strip();
            return "2 MiB pool: " + free + " of " + total + " pages free";
        } catch (IOException e) {
            return "2 MiB pool unreadable: " + e;
        }
    }

    private static String errnoName(int errno) {
        return switch (errno) {
            case 1 -> "EPERM";
            case 12 -> "ENOMEM";
            case 13 -> "EACCES";
            case 22 -> "EINVAL";
            case 38 -> "ENOSYS";
            default -> "errno " + errno;
        };
    }

    /**
     * The libc bindings, made on first use so that a host without them never links anything.
     * If they cannot be made, {@link #UNAVAILABLE} says why and nothing else here is called.
     */
    private static final class Native {

        private static final Set<String> ARCHES = Set.of("amd64", "x86_64", "aarch64");
        private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
        private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

        static final String UNAVAILABLE;
        private static final MethodHandle MMAP;
        private static final MethodHandle MUNMAP;

        static {
            String unavailable = null;
            MethodHandle mmap = null;
            MethodHandle munmap = null;
            String os = System.getProperty("os.name", "");
            String arch = System.getProperty("os.arch", "");
            if (!os.equals("Linux") || !ARCHES.contains(arch)) {
                unavailable = "no Linux mmap on " + os + "/" + arch;
            } else {
                try {
                    Linker.Option errno = Linker.Option.captureCallState("errno");
                    mmap = downcall("mmap", FunctionDescriptor.of(
                            ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), errno);
                    munmap = downcall("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), errno);
                    unavailable = selfTest(mmap, munmap);
                } catch (IllegalCallerException | UnsupportedOperationException | NoSuchElementException e) {
                    // Native access denied (--illegal-native-access=deny without
                    // --enable-native-access) or no libc symbol: the Java arena still works.
                    unavailable = "no native mmap (" + e + ")";
                    mmap = null;
                    munmap = null;
                }
            }
            UNAVAILABLE = unavailable;
            MMAP = mmap;
            MUNMAP = munmap;
        }

        private Native() {}

        @SuppressWarnings("restricted")
        private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option option) {
            Linker linker = Linker.nativeLinker();
            return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(), descriptor, option);
        }

        /**
         * Maps and unmaps one page through the same call sites as {@link #mmap} and
         * {@link #munmap}: proves the bindings work, and links the call sites now, while
         * {@link #prepare()} may be running off the boot's critical path, rather than in
         * {@code create}.
         */
        private static String selfTest(MethodHandle mmap, MethodHandle munmap) {
            long address = mmap(mmap, SMALL_PAGE_SIZE, ORDINARY_FLAGS);
            if (address < 0) {
                return "mmap of one page failed with " + errnoName((int) -address);
            }
            int errno = munmap(munmap, address, SMALL_PAGE_SIZE);
            return errno == 0 ? null : "munmap of one page failed with " + errnoName(errno);
        }

        /** Runs the static initialiser, if no other thread has. */
        static void prepare() {
            // Class initialisation does the work; the JVM makes concurrent callers wait for it.
        }

        static long mmap(long length, int flags) {
            return mmap(MMAP, length, flags);
        }

        static int munmap(long address, long length) {
            return munmap(MUNMAP, address, length);
        }

        /** The mapping's address, or {@code -errno}. */
        private static long mmap(MethodHandle handle, long length, int flags) {
            try (Arena scratch = Arena.ofConfined()) {
                MemorySegment capture = scratch.allocate(CAPTURE);
                MemorySegment address = (MemorySegment) handle.invokeExact(
                        capture, MemorySegment.NULL, length, PROT_READ | PROT_WRITE, flags, -1, 0L);
                // MAP_FAILED is (void *) -1.
                return address.address() == -1L ? -(int) ERRNO.get(capture, 0L) : address.address();
            } catch (Throwable t) {
                throw new IllegalStateException("mmap downcall descriptor mismatch", t);
            }
        }

        /** 0, or the errno of a failed munmap. */
        private static int munmap(MethodHandle handle, long address, long length) {
            try (Arena scratch = Arena.ofConfined()) {
                MemorySegment capture = scratch.allocate(CAPTURE);
                int result = (int) handle.invokeExact(capture, MemorySegment.ofAddress(address), length);
                return result == 0 ? 0 : (int) ERRNO.get(capture, 0L);
            } catch (Throwable t) {
                throw new IllegalStateException("munmap downcall descriptor mismatch", t);
            }
        }
    }
}
