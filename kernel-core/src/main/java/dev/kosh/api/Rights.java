package dev.kosh.api;

/**
 * A set of {@link Right}s, as a bit mask (bit {@code r.ordinal()} for right {@code r}). Immutable;
 * the kernel checks rights with one AND.
 */
public record Rights(int bits) {
    private static final int ALL_BITS = (1 << Right.values().length) - 1;
    public static final Rights NONE = new Rights(0);
    public static final Rights ALL = new Rights(ALL_BITS);

    public Rights {
        if ((bits & ~ALL_BITS) != 0) throw new IllegalArgumentException("unknown right bits " + Integer.toBinaryString(bits & ~ALL_BITS));
    }

    public static Rights of(Right... rights) {
        int b = 0;
        for (Right r : rights) b |= r.bit();
        return new Rights(b);
    }

    /** Rights from bits, ignoring bits that name no right (the kernel's lenient decode of process input). */
    public static Rights masked(int bits) {
        return new Rights(bits & ALL_BITS);
    }

    public boolean has(Right right) {
        return (bits & right.bit()) != 0;
    }

    /** True if every right in {@code other} is also here. */
    public boolean containsAll(Rights other) {
        return (other.bits & ~bits) == 0;
    }

    public Rights with(Right right) {
        return new Rights(bits | right.bit());
    }

    public Rights without(Right right) {
        return new Rights(bits & ~right.bit());
    }

    public Rights intersect(Rights other) {
        return new Rights(bits & other.bits);
    }

    /** The rights as letters in declaration order, {@code -} for an absent right: {@code r-g------}. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (Right r : Right.values()) b.append(has(r) ? r.letter() : '-');
        return b.toString();
    }
}
