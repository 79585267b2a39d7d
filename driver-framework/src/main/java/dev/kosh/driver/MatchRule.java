package dev.kosh.driver;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.kosh.hal.PciDevice;
import dev.kosh.hal.PlatformDevice;

/**
 * One entry of a driver's {@code Kosh-Driver-Match} header: which devices the driver drives.
 *
 * <ul>
 *   <li>{@code pci:VENDOR:DEVICE:CLASS:SUBCLASS} — hex ids, each may be {@code *}; trailing
 *       fields may be left out (they are wildcards): {@code pci:1234:11e8}, {@code pci:*:*:01:06}.
 *       A device id needs its vendor, and a subclass its class.</li>
 *   <li>{@code platform:NAME} — a platform device whose name (with or without its {@code @unit}
 *       suffix) is NAME, or whose device-tree {@code compatible} list contains NAME.</li>
 * </ul>
 *
 * <p>{@link #match} says how specifically the rule names a device ({@link Specificity}); the
 * matcher lets the most specific rule of all drivers win.
 */
public sealed interface MatchRule {

    /** The wildcard value of a PCI field. */
    int ANY = -1;

    /** How specifically this rule names {@code device}; empty if it does not match it. */
    Optional<Specificity> match(Device device);

    /** PCI ids; {@link #ANY} for a wildcard. */
    record Pci(int vendor, int device, int baseClass, int subclass) implements MatchRule {
        public Pci {
            if (vendor < ANY || vendor > 0xffff || device < ANY || device > 0xffff || baseClass < ANY || baseClass > 0xff
                    || subclass < ANY || subclass > 0xff) {
                throw new IllegalArgumentException("PCI match ids out of range");
            }
            if (vendor == ANY && device != ANY) throw new IllegalArgumentException("a device id needs a vendor id");
            if (baseClass == ANY && subclass != ANY) throw new IllegalArgumentException("a subclass needs a class");
        }

        @Override
        public Optional<Specificity> match(Device d) {
            if (!(d instanceof Device.Pci(PciDevice hal))) return Optional.empty();
            if (vendor != ANY && vendor != hal.vendorId() || device != ANY && device != hal.deviceId()
                    || baseClass != ANY && baseClass != hal.baseClass() || subclass != ANY && subclass != hal.subclass()) {
                return Optional.empty();
            }
            return Optional.of(specificity());
        }

        /** The specificity of this rule when it matches (it does not depend on the device). */
        public Specificity specificity() {
            int fixed = (vendor != ANY ? 1 : 0) + (device != ANY ? 1 : 0) + (baseClass != ANY ? 1 : 0) + (subclass != ANY ? 1 : 0);
            Specificity.Tier tier = device != ANY ? Specificity.Tier.EXACT
                    : baseClass != ANY ? Specificity.Tier.CLASS : Specificity.Tier.WILDCARD;
            return new Specificity(tier, fixed);
        }

        @Override
        public String toString() {
            return "pci:" + hex(vendor, 4) + ":" + hex(device, 4) + ":" + hex(baseClass, 2) + ":" + hex(subclass, 2);
        }

        private static String hex(int v, int width) {
            return v == ANY ? "*" : String.format("%0" + width + "x", v);
        }
    }

    /** A platform device name or compatible string. */
    record Platform(String name) implements MatchRule {
        public Platform {
            if (name == null || !NAME.matcher(name).matches()) throw new IllegalArgumentException("bad platform device name " + name);
        }

        @Override
        public Optional<Specificity> match(Device d) {
            if (!(d instanceof Device.Platform(PlatformDevice hal))) return Optional.empty();
            String base = hal.name().contains("@") ? hal.name().substring(0, hal.name().indexOf('@')) : hal.name();
            if (hal.name().equals(name) || base.equals(name)) return Optional.of(new Specificity(Specificity.Tier.EXACT, 1));
            int at = hal.compatible().indexOf(name);
            return at < 0 ? Optional.empty() : Optional.of(new Specificity(Specificity.Tier.CLASS, -at));
        }

        @Override
        public String toString() {
            return "platform:" + name;
        }
    }

    Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9,._@+-]*");

    /**
     * Parses one entry. Errors name the field and what was expected; nothing throws.
     *
     * @param header the header the entry came from, for the error
     */
    static Parsed<MatchRule> parse(String header, String entry) {
        String e = entry.strip();
        if (e.isEmpty()) return new Parsed.Invalid<>(header, entry, "empty match entry");
        int colon = e.indexOf(':');
        String bus = colon < 0 ? e : e.substring(0, colon);
        String rest = colon < 0 ? "" : e.substring(colon + 1);
        switch (bus) {
            case "pci" -> {
                List<String> fields = List.of(rest.split(":", -1));
                if (rest.isEmpty() || fields.size() > 4) {
                    return new Parsed.Invalid<>(header, e, "expected pci:VENDOR[:DEVICE[:CLASS[:SUBCLASS]]] with hex ids or *");
                }
                String[] names = {"vendor", "device", "class", "subclass"};
                int[] widths = {4, 4, 2, 2};
                int[] v = {ANY, ANY, ANY, ANY};
                for (int i = 0; i < fields.size(); i++) {
                    String f = fields.get(i);
                    if (f.equals("*")) continue;
                    if (f.isEmpty() || f.length() > widths[i] || !f.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                        return new Parsed.Invalid<>(header, e, names[i] + " '" + f + "' is not * or at most " + widths[i] + " hex digits");
                    }
                    v[i] = Integer.parseInt(f, 16);
                }
                if (v[0] == ANY && v[1] != ANY) return new Parsed.Invalid<>(header, e, "a device id needs a vendor id (device ids are per vendor)");
                if (v[2] == ANY && v[3] != ANY) return new Parsed.Invalid<>(header, e, "a subclass needs a class (subclasses are per class)");
                return new Parsed.Ok<>(new Pci(v[0], v[1], v[2], v[3]));
            }
            case "platform" -> {
                if (!NAME.matcher(rest).matches()) {
                    return new Parsed.Invalid<>(header, e, "expected platform:NAME (letters, digits and , . _ @ + -)");
                }
                return new Parsed.Ok<>(new Platform(rest));
            }
            default -> {
                return new Parsed.Invalid<>(header, e, "unknown bus '" + bus + "' (expected pci: or platform:)");
            }
        }
    }
}
