package dev.kosh.driver;

/**
 * How specifically a match rule named a device. Ordered: a higher tier always wins; within a tier
 * a higher rank wins (more id fields given; for platform compatibles, an earlier entry).
 *
 * @param rank PCI: how many of vendor, device, class, subclass the rule fixed (0–4); platform
 *             name: 1; platform compatible: minus the entry's position in the device's list
 */
public record Specificity(Tier tier, int rank) implements Comparable<Specificity> {

    /** Weakest first. */
    public enum Tier {
        /** Matched on neither device id nor class: {@code pci:*:*:*:*}, a vendor alone. */
        WILDCARD,
        /** Matched on the PCI class (with or without a vendor), or a platform compatible string. */
        CLASS,
        /** Matched on vendor and device id, or a platform device's own name. */
        EXACT
    }

    public Specificity {
        if (tier == null) throw new IllegalArgumentException("tier is required");
    }

    @Override
    public int compareTo(Specificity o) {
        int c = tier.compareTo(o.tier);
        return c != 0 ? c : Integer.compare(rank, o.rank);
    }

    @Override
    public String toString() {
        return tier.name().toLowerCase(java.util.Locale.ROOT) + "/" + rank;
    }
}
