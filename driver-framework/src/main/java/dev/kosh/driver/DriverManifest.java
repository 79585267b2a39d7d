package dev.kosh.driver;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a driver bundle's manifest headers into a {@link DriverDescriptor}:
 *
 * <pre>
 * Kosh-Driver:          edu
 * Kosh-Driver-Match:    pci:1234:11e8, pci:*:*:00:ff, platform:virtio-mmio
 * Kosh-Driver-Requires: block
 * Kosh-Driver-Provides: factorial
 * </pre>
 *
 * All but {@code Kosh-Driver} are optional; lists are separated by commas or white space. Every
 * error names the header, the entry and what is expected.
 */
public final class DriverManifest {
    public static final String NAME = "Kosh-Driver";
    public static final String MATCH = "Kosh-Driver-Match";
    public static final String REQUIRES = "Kosh-Driver-Requires";
    public static final String PROVIDES = "Kosh-Driver-Provides";

    private static final Pattern SERVICE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern SEPARATORS = Pattern.compile("[,\\s]+");

    private DriverManifest() {}

    /** Reads the descriptor of the driver in {@code bundle} from its manifest {@code headers}. */
    public static Parsed<DriverDescriptor> parse(String bundle, Map<String, String> headers) {
        String name = headers.get(NAME);
        if (name == null || name.isBlank()) return new Parsed.Invalid<>(NAME, "", "a driver bundle names its driver in " + NAME);
        name = name.strip();
        if (!SERVICE.matcher(name).matches()) return new Parsed.Invalid<>(NAME, name, "a driver name is letters, digits, . _ -");
        List<MatchRule> rules;
        switch (parseMatches(headers.getOrDefault(MATCH, ""))) {
            case Parsed.Ok<List<MatchRule>>(List<MatchRule> v) -> rules = v;
            case Parsed.Invalid<List<MatchRule>> bad -> { return bad.cast(); }
        }
        Set<String> requires;
        switch (names(REQUIRES, headers.getOrDefault(REQUIRES, ""))) {
            case Parsed.Ok<Set<String>>(Set<String> v) -> requires = v;
            case Parsed.Invalid<Set<String>> bad -> { return bad.cast(); }
        }
        Set<String> provides;
        switch (names(PROVIDES, headers.getOrDefault(PROVIDES, ""))) {
            case Parsed.Ok<Set<String>>(Set<String> v) -> provides = v;
            case Parsed.Invalid<Set<String>> bad -> { return bad.cast(); }
        }
        Set<String> all = new LinkedHashSet<>(provides);
        all.add(name);
        for (String r : requires) {
            if (all.contains(r)) return new Parsed.Invalid<>(REQUIRES, r, "driver " + name + " cannot require what it provides itself");
        }
        return new Parsed.Ok<>(new DriverDescriptor(name, bundle, rules, requires, provides));
    }

    /** Parses a {@code Kosh-Driver-Match} value; an empty one means "no hardware". */
    public static Parsed<List<MatchRule>> parseMatches(String header) {
        List<MatchRule> rules = new ArrayList<>();
        if (header == null || header.isBlank()) return new Parsed.Ok<>(List.of());
        for (String entry : header.split(",")) {
            switch (MatchRule.parse(MATCH, entry)) {
                case Parsed.Ok<MatchRule>(MatchRule r) -> rules.add(r);
                case Parsed.Invalid<MatchRule> bad -> { return bad.cast(); }
            }
        }
        return new Parsed.Ok<>(List.copyOf(rules));
    }

    private static Parsed<Set<String>> names(String header, String value) {
        Set<String> out = new LinkedHashSet<>();
        for (String n : SEPARATORS.split(value.strip())) {
            if (n.isEmpty()) continue;
            if (!SERVICE.matcher(n).matches()) return new Parsed.Invalid<>(header, n, "a driver or service name is letters, digits, . _ -");
            out.add(n);
        }
        return new Parsed.Ok<>(Set.copyOf(out));
    }
}
