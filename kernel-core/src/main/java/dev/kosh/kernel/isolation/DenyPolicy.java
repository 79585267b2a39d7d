package dev.kosh.kernel.isolation;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The deny list: which classes and members process code may not use, as data
 * ({@code denied.policy} beside this class; format in that file and in docs/isolation.md).
 * The verifier applies it to instructions at load time; {@link PolicyHooks} applies the same rules
 * to reflective targets at run time.
 *
 * <p>Immutable and thread-safe once parsed.
 */
public final class DenyPolicy {
    /** The shipped deny list, a resource beside this class. */
    public static final String RESOURCE = "denied.policy";

    /** What a rule does. */
    public enum Kind { DENY, ALLOW, EXTENDS }

    /**
     * One line of the policy. {@code member} is null for {@code extends} rules.
     *
     * @param line the line number in {@code source}
     */
    public record Rule(Kind kind, String owner, String member, String reason, String source, int line) {
        /** The rule as written plus its reason, for messages: {@code deny java.lang.System exit: ends the JVM ...}. */
        public String describe() {
            String head = kind.name().toLowerCase() + " " + owner + (member == null ? "" : " " + member);
            return head + ": " + reason;
        }
    }

    private record Compiled(Rule rule, boolean everyUse, String exactName, Pattern nameGlob, Pattern signatureGlob) {
        boolean matchesMember(String name, String descriptor) {
            if (everyUse) return true;
            if (exactName != null) return exactName.equals(name);
            if (nameGlob != null) return nameGlob.matcher(name).matches();
            return signatureGlob.matcher(name + descriptor).matches();
        }
    }

    private static volatile DenyPolicy standard;

    private final List<Rule> rules;
    private final Map<String, List<Compiled>> byExactOwner = new HashMap<>();
    private final List<Map.Entry<String, Compiled>> byOwnerPrefix = new ArrayList<>();

    private DenyPolicy(List<Rule> rules) {
        this.rules = List.copyOf(rules);
        for (Rule r : rules) {
            Compiled c = compile(r);
            if (r.owner().endsWith("*")) {
                byOwnerPrefix.add(Map.entry(r.owner().substring(0, r.owner().length() - 1), c));
            } else {
                byExactOwner.computeIfAbsent(r.owner(), k -> new ArrayList<>()).add(c);
            }
        }
    }

    /** The shipped policy ({@value #RESOURCE}), parsed once. */
    public static DenyPolicy standard() {
        DenyPolicy p = standard;
        if (p == null) {
            try (InputStream in = DenyPolicy.class.getResourceAsStream(RESOURCE)) {
                if (in == null) throw new IllegalStateException("missing resource " + RESOURCE);
                p = parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), RESOURCE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            standard = p;
        }
        return p;
    }

    /**
     * Parses a policy text.
     *
     * @throws IllegalArgumentException naming the source and line of the first malformed rule
     */
    public static DenyPolicy parse(String text, String source) {
        List<Rule> rules = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] f = line.split("\\s+", 4);
            Kind kind = switch (f[0]) {
                case "deny" -> Kind.DENY;
                case "allow" -> Kind.ALLOW;
                case "extends" -> Kind.EXTENDS;
                default -> throw new IllegalArgumentException(source + ":" + (i + 1) + ": unknown rule kind '" + f[0] + "'");
            };
            if (kind == Kind.EXTENDS) {
                String[] e = line.split("\\s+", 3);
                if (e.length < 3) throw new IllegalArgumentException(source + ":" + (i + 1) + ": expected 'extends OWNER REASON'");
                rules.add(new Rule(kind, e[1], null, e[2], source, i + 1));
            } else {
                if (f.length < 4) throw new IllegalArgumentException(source + ":" + (i + 1) + ": expected '" + f[0] + " OWNER MEMBER REASON'");
                rules.add(new Rule(kind, f[1], f[2], f[3], source, i + 1));
            }
        }
        return new DenyPolicy(rules);
    }

    /** This policy plus the rules of {@code text} (e.g. site-specific {@code allow} lines). */
    public DenyPolicy plus(String text, String source) {
        List<Rule> all = new ArrayList<>(rules);
        all.addAll(parse(text, source).rules());
        return new DenyPolicy(all);
    }

    public List<Rule> rules() {
        return rules;
    }

    // ---- queries (binary names: java.lang.Thread$Builder) -------------------------------------

    /**
     * The rule that refuses naming {@code type} at all (a {@code *} rule on it), or null.
     * Types are matched exactly, not through their supertypes.
     */
    public Rule typeDenial(String type) {
        Rule deny = null;
        for (Compiled c : candidates(type)) {
            if (!c.everyUse()) continue;
            if (c.rule().kind() == Kind.ALLOW) return null;
            if (c.rule().kind() == Kind.DENY && deny == null) deny = c.rule();
        }
        return deny;
    }

    /**
     * The rule that refuses using member {@code name}{@code descriptor} of {@code ownerAndSupertypes.get(0)},
     * or null. Rules on any listed supertype apply too, except to constructors.
     */
    public Rule memberDenial(List<String> ownerAndSupertypes, String name, String descriptor) {
        boolean constructor = name.equals("<init>");
        Rule deny = null;
        for (int i = 0; i < ownerAndSupertypes.size(); i++) {
            if (constructor && i > 0) break;
            for (Compiled c : candidates(ownerAndSupertypes.get(i))) {
                if (c.rule().kind() == Kind.EXTENDS || !c.matchesMember(name, descriptor)) continue;
                if (c.rule().kind() == Kind.ALLOW) return null;
                if (deny == null) deny = c.rule();
            }
        }
        return deny;
    }

    /** The {@code extends} rule that refuses a class with these supertypes (any order), or null. */
    public Rule extendsDenial(List<String> supertypes) {
        for (String s : supertypes) {
            for (Compiled c : candidates(s)) {
                if (c.rule().kind() == Kind.EXTENDS) return c.rule();
            }
        }
        return null;
    }

    /** Run-time form of {@link #typeDenial}: the reason, or null. */
    public String denialForClass(String binaryName) {
        Rule r = typeDenial(binaryName);
        return r == null ? null : r.describe();
    }

    /** Run-time form of {@link #memberDenial}, walking {@code owner}'s real supertypes. */
    public String denialForMember(Class<?> owner, String name, String descriptor) {
        Rule r = typeDenial(owner.getName());
        if (r == null) r = memberDenial(supertypesOf(owner), name, descriptor);
        return r == null ? null : r.describe();
    }

    /** {@code type} followed by all its superclasses and superinterfaces, breadth first. */
    static List<String> supertypesOf(Class<?> type) {
        List<String> out = new ArrayList<>();
        Set<Class<?>> seen = new HashSet<>();
        Deque<Class<?>> todo = new ArrayDeque<>();
        todo.add(type);
        while (!todo.isEmpty()) {
            Class<?> c = todo.poll();
            if (!seen.add(c)) continue;
            out.add(c.getName());
            if (c.getSuperclass() != null) todo.add(c.getSuperclass());
            todo.addAll(List.of(c.getInterfaces()));
        }
        return out;
    }

    private List<Compiled> candidates(String owner) {
        List<Compiled> exact = byExactOwner.get(owner);
        List<Compiled> out = null;
        for (Map.Entry<String, Compiled> e : byOwnerPrefix) {
            if (owner.startsWith(e.getKey())) {
                if (out == null) out = exact == null ? new ArrayList<>() : new ArrayList<>(exact);
                out.add(e.getValue());
            }
        }
        if (out != null) return out;
        return exact == null ? List.of() : exact;
    }

    private static Compiled compile(Rule r) {
        String m = r.member();
        if (m == null) return new Compiled(r, false, null, null, null);
        if (m.equals("*")) return new Compiled(r, true, null, null, null);
        if (m.contains("(")) return new Compiled(r, false, null, null, glob(m));
        if (m.contains("*")) return new Compiled(r, false, null, glob(m), null);
        return new Compiled(r, false, m, null, null);
    }

    private static Pattern glob(String g) {
        StringBuilder re = new StringBuilder();
        for (String part : g.split("\\*", -1)) {
            if (!re.isEmpty()) re.append(".*");
            re.append(Pattern.quote(part));
        }
        return Pattern.compile(re.toString());
    }
}
