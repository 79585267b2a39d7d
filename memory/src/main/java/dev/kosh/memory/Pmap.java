package dev.kosh.memory;

import java.util.List;

/**
 * What {@code pmap PID} shows for one address space: its regions in address order and totals.
 *
 * @param spaceId         the space's id in its {@link VirtualMemory}
 * @param entries         one per region, by start address
 * @param pageTableFrames frames the page tables take
 */
public record Pmap(long spaceId, List<PmapEntry> entries, long pageTableFrames) {

    public Pmap {
        entries = List.copyOf(entries);
    }

    /** Resident pages over every region. */
    public long residentPages() {
        return entries.stream().mapToLong(PmapEntry::residentPages).sum();
    }

    /** Swapped pages over every region. */
    public long swappedPages() {
        return entries.stream().mapToLong(PmapEntry::swappedPages).sum();
    }

    /** The text of the shell's {@code pmap}: one line per region, sizes in kB, then a total line. */
    public String format() {
        StringBuilder out = new StringBuilder(128 + 96 * entries.size());
        out.append(String.format("%-18s %10s %10s %10s %10s %-4s %s%n",
                "Address", "Kbytes", "RSS", "Shared", "Swap", "Mode", "Mapping"));
        long kb = PhysicalMemory.FRAME_SIZE / 1024;
        for (PmapEntry e : entries) {
            Region r = e.region();
            Protection p = r.protection();
            String mode = "r" + (p.writable() ? "w" : "-") + (p.executable() ? "x" : "-") + (p.user() ? "u" : "-");
            out.append(String.format("%018x %10d %10d %10d %10d %-4s %s%n", r.start(), r.pages() * kb,
                    e.residentPages() * kb, e.sharedPages() * kb, e.swappedPages() * kb, mode,
                    r.kind().name().toLowerCase(java.util.Locale.ROOT)
                            + (r.guardBytes() > 0 ? " (+" + r.guardBytes() / 1024 + " kB guard)" : "")));
        }
        out.append(String.format("total %12d kB resident, %d kB swapped, %d page-table frames%n",
                residentPages() * kb, swappedPages() * kb, pageTableFrames));
        return out.toString();
    }
}
