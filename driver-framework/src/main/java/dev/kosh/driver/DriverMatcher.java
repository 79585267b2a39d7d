package dev.kosh.driver;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Chooses the driver for a device: of every driver with a rule that matches it, the one whose best
 * rule is the most specific ({@link Specificity}); among equally specific ones, the first by name,
 * and the tie is reported. Pure: the choice depends only on the device and the set of drivers,
 * never on the order they were registered in.
 */
public final class DriverMatcher {

    /** A driver that could drive the device, and its best rule for it. */
    public record Candidate(String driver, MatchRule rule, Specificity specificity) {}

    /** How choosing a driver for a device ended. */
    public sealed interface Choice {
        /** No driver matches the device. */
        record Unmatched() implements Choice {}

        /**
         * {@code chosen} won; {@code tiedWith} are the other drivers exactly as specific (won by name
         * order, worth a warning); {@code candidates} are all matching drivers, best first.
         */
        record Bound(Candidate chosen, List<String> tiedWith, List<Candidate> candidates) implements Choice {
            public Bound {
                tiedWith = List.copyOf(tiedWith);
                candidates = List.copyOf(candidates);
            }
        }
    }

    /** Best first; name order breaks ties, so the order is total and independent of input order. */
    static final Comparator<Candidate> BEST_FIRST = Comparator.comparing(Candidate::specificity).reversed()
            .thenComparing(Candidate::driver);

    private DriverMatcher() {}

    /** The driver for {@code device} among {@code drivers}. */
    public static Choice choose(Device device, Collection<DriverDescriptor> drivers) {
        List<Candidate> candidates = new ArrayList<>();
        for (DriverDescriptor d : drivers) best(device, d).ifPresent(candidates::add);
        if (candidates.isEmpty()) return new Choice.Unmatched();
        candidates.sort(BEST_FIRST);
        Candidate chosen = candidates.getFirst();
        List<String> tied = candidates.stream().skip(1).filter(c -> c.specificity().equals(chosen.specificity()))
                .map(Candidate::driver).toList();
        return new Choice.Bound(chosen, tied, candidates);
    }

    /** The most specific of {@code driver}'s rules that matches {@code device} (earliest rule on a tie). */
    public static Optional<Candidate> best(Device device, DriverDescriptor driver) {
        Candidate best = null;
        for (MatchRule rule : driver.matches()) {
            Optional<Specificity> s = rule.match(device);
            if (s.isPresent() && (best == null || s.get().compareTo(best.specificity()) > 0)) {
                best = new Candidate(driver.name(), rule, s.get());
            }
        }
        return Optional.ofNullable(best);
    }
}
