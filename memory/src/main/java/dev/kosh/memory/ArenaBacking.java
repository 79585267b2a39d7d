package dev.kosh.memory;

import java.util.Objects;

/**
 * What the host gave the arena, and why: the boot sequence writes {@link #describe()} to the
 * journal, so a fallback from huge pages to ordinary memory is never silent.
 *
 * @param kind     the backing chosen
 * @param pageSize the host page size behind the arena in bytes (2 MiB for huge pages, 4 KiB
 *                 for an ordinary mapping; for {@link Kind#JAVA_ARENA}, what the JVM uses,
 *                 assumed 4 KiB)
 * @param reason   one human sentence: why this backing and not a better one
 */
public record ArenaBacking(Kind kind, long pageSize, String reason) {

    /** The ways the arena can be backed, best first. */
    public enum Kind {
        /**
         * An anonymous {@code MAP_HUGETLB} mapping of 2 MiB pages from the host's hugetlb pool,
         * reserved when the arena is created and committed (zeroed by the host) on first touch.
         */
        HUGE_PAGES,
        /**
         * An anonymous {@code MAP_PRIVATE | MAP_NORESERVE} mapping of ordinary pages: the host
         * commits and zeroes a page when it is first touched, so creating the arena costs
         * almost nothing whatever its size.
         */
        ANONYMOUS_MMAP,
        /**
         * {@code Arena.allocate}: portable, but the JVM zeroes the whole arena up front
         * (about 100 ms for 256 MiB). Used where {@code mmap} is not available.
         */
        JAVA_ARENA
    }

    /** Which backings {@link PhysicalMemory#create} may try. */
    public enum Policy {
        /** Huge pages if the size is a multiple of 2 MiB and the host has them, else ordinary mmap, else Java. */
        PREFER_HUGE_PAGES,
        /** Ordinary anonymous mmap, else Java. */
        ORDINARY_PAGES,
        /** Only {@code Arena.allocate}: no native call at all. */
        JAVA_ONLY
    }

    public ArenaBacking {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(reason, "reason");
        if (pageSize <= 0 || Long.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("page size " + pageSize + " is not a power of two");
        }
    }

    /** One line for the boot journal, e.g. {@code "anonymous mmap, 4 KiB pages: MAP_HUGETLB failed (ENOMEM) ..."}. */
    public String describe() {
        String name = switch (kind) {
            case HUGE_PAGES -> "huge pages";
            case ANONYMOUS_MMAP -> "anonymous mmap";
            case JAVA_ARENA -> "Java arena";
        };
        return name + ", " + (pageSize >= 1L << 20 ? (pageSize >> 20) + " MiB" : (pageSize >> 10) + " KiB")
                + " pages: " + reason;
    }
}
