package dev.kosh.driver;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The order to start a set of drivers in: every driver after the drivers that provide what it
 * requires. Pure and deterministic (ready drivers start in name order). A driver in a dependency
 * cycle, one that needs something nobody provides, or one that depends on such a driver is not
 * ordered but {@link Blocked}, with the reason (the cycle is spelled out).
 */
public final class DependencyOrder {

    /** A driver that cannot be started, and why. */
    public record Blocked(String driver, String reason) {}

    /** The drivers to start, in order, and the ones that cannot be. */
    public record Plan(List<DriverDescriptor> order, List<Blocked> blocked) {
        public Plan {
            order = List.copyOf(order);
            blocked = List.copyOf(blocked);
        }
    }

    private DependencyOrder() {}

    /**
     * Orders {@code drivers}. {@code present} says which requirements are already met outside the
     * set (a running driver provides them).
     */
    public static Plan plan(Collection<DriverDescriptor> drivers, Predicate<String> present) {
        Map<String, DriverDescriptor> byName = new TreeMap<>();
        for (DriverDescriptor d : drivers) byName.put(d.name(), d);
        // requirement -> drivers of the set that provide it
        Map<String, Set<String>> providers = new TreeMap<>();
        for (DriverDescriptor d : byName.values()) for (String p : d.provides()) providers.computeIfAbsent(p, k -> new TreeSet<>()).add(d.name());

        Map<String, String> blocked = new LinkedHashMap<>();
        // Needs that nothing meets.
        for (DriverDescriptor d : byName.values()) {
            for (String r : new TreeSet<>(d.requires())) {
                if (!present.test(r) && !providers.containsKey(r)) {
                    blocked.putIfAbsent(d.name(), "requires " + r + ", which no running or starting driver provides");
                }
            }
        }
        List<DriverDescriptor> order = new ArrayList<>();
        Set<String> done = new TreeSet<>();
        boolean progress = true;
        while (progress) {
            progress = false;
            for (String n : byName.keySet()) {
                if (done.contains(n) || blocked.containsKey(n)) continue;
                String why = null;
                boolean waiting = false;
                for (String r : new TreeSet<>(byName.get(n).requires())) {
                    if (present.test(r)) continue;
                    Set<String> ps = providers.getOrDefault(r, Set.of());
                    if (ps.stream().anyMatch(done::contains)) continue;
                    if (ps.stream().allMatch(blocked::containsKey)) {
                        why = "requires " + r + ", but " + String.join(", ", ps) + " cannot start";
                        break;
                    }
                    waiting = true;
                }
                if (why != null) {
                    blocked.put(n, why);
                    progress = true;
                } else if (!waiting) {
                    order.add(byName.get(n));
                    done.add(n);
                    progress = true;
                    break; // rescan from the first name, so each step starts the smallest ready name
                }
            }
        }
        // Everything left waits, directly or not, on a cycle: spell it out.
        Set<String> remaining = new TreeSet<>(byName.keySet());
        remaining.removeAll(done);
        remaining.removeAll(blocked.keySet());
        for (String n : remaining) {
            List<String> loop = cycleFrom(n, byName, providers, remaining, present);
            blocked.put(n, (loop.getFirst().equals(n) ? "dependency cycle: " : "depends on a dependency cycle: ")
                    + String.join(" -> ", loop));
        }
        List<Blocked> out = new ArrayList<>();
        blocked.forEach((k, v) -> out.add(new Blocked(k, v)));
        out.sort(Comparator.comparing(Blocked::driver));
        return new Plan(order, out);
    }

    /**
     * Follows, from {@code start}, the first unstarted provider of each unmet requirement until a
     * name repeats; returns that loop, closed (its first name again at the end).
     */
    private static List<String> cycleFrom(String start, Map<String, DriverDescriptor> byName, Map<String, Set<String>> providers,
                                          Set<String> remaining, Predicate<String> present) {
        List<String> path = new ArrayList<>();
        String n = start;
        while (!path.contains(n)) {
            path.add(n);
            String next = null;
            for (String r : new TreeSet<>(byName.get(n).requires())) {
                if (present.test(r)) continue;
                for (String p : providers.getOrDefault(r, Set.of())) {
                    if (remaining.contains(p)) {
                        next = p;
                        break;
                    }
                }
                if (next != null) break;
            }
            if (next == null) return path; // cannot happen for a waiting driver; keeps the loop finite
            n = next;
        }
        List<String> loop = new ArrayList<>(path.subList(path.indexOf(n), path.size()));
        loop.add(n);
        return loop;
    }
}
