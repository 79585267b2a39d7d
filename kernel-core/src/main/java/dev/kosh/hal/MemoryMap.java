package dev.kosh.hal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The physical memory map, normalised: regions sorted by start, never overlapping,
 * adjacent regions of the same type merged. Where the host's table overlapped itself,
 * each address takes the highest-precedence {@link RegionType} of the entries that
 * covered it, so memory is never reported usable if any entry reserved it.
 *
 * @param regions normalised regions
 * @param source  where the map came from ("/sys/firmware/memmap", "/proc/iomem", ...)
 */
public record MemoryMap(List<MemoryRegion> regions, String source) {

    public MemoryMap {
        Objects.requireNonNull(source, "source");
        regions = List.copyOf(regions);
        for (int i = 1; i < regions.size(); i++) {
            if (regions.get(i - 1).end() > regions.get(i).start()) {
                throw new IllegalArgumentException("regions must be sorted and disjoint: use MemoryMap.normalise");
            }
        }
    }

    /**
     * Builds a map from raw entries in any order, possibly overlapping. Labels of merged
     * regions are those of the first entry of the winning type in the output range.
     */
    public static MemoryMap normalise(Collection<MemoryRegion> raw, String source) {
        // Sweep over every boundary: between two consecutive boundaries the set of covering
        // entries is constant, so one precedence decision per elementary interval is exact.
        TreeSet<Long> bounds = new TreeSet<>();
        for (MemoryRegion r : raw) {
            bounds.add(r.start());
            bounds.add(r.end());
        }
        List<MemoryRegion> sorted = new ArrayList<>(raw);
        sorted.sort(Comparator.comparingLong(MemoryRegion::start));
        List<MemoryRegion> out = new ArrayList<>();
        Long prev = null;
        for (long b : bounds) {
            if (prev != null) {
                MemoryRegion winner = null;
                for (MemoryRegion r : sorted) {
                    if (r.start() > prev) {
                        break;
                    }
                    if (r.contains(prev) && (winner == null || r.type().compareTo(winner.type()) > 0)) {
                        winner = r;
                    }
                }
                if (winner != null) {
                    MemoryRegion last = out.isEmpty() ? null : out.getLast();
                    if (last != null && last.end() == prev && last.type() == winner.type()) {
                        out.set(out.size() - 1, new MemoryRegion(last.start(), b - last.start(), last.type(), last.label()));
                    } else {
                        out.add(new MemoryRegion(prev, b - prev, winner.type(), winner.label()));
                    }
                }
            }
            prev = b;
        }
        return new MemoryMap(out, source);
    }

    /** Bytes of the given type. */
    public long totalBytes(RegionType type) {
        long sum = 0;
        for (MemoryRegion r : regions) {
            if (r.type() == type) {
                sum += r.length();
            }
        }
        return sum;
    }

    public long usableBytes() {
        return totalBytes(RegionType.USABLE);
    }

    public List<MemoryRegion> regionsOf(RegionType type) {
        return regions.stream().filter(r -> r.type() == type).toList();
    }

    /** The region containing {@code address}, if any. */
    public java.util.Optional<MemoryRegion> regionAt(long address) {
        return regions.stream().filter(r -> r.contains(address)).findFirst();
    }
}
