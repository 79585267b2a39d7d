package dev.kosh.kernel.process;

import java.util.Set;

import dev.kosh.api.Program;

/**
 * A loadable program: what {@link ProgramLoader} found for a name. For a bundle, the bundle's
 * {@code Kosh-Main} class; the image keeps no reference to a process, so an updated bundle's old
 * revision becomes unreachable once its processes are reaped.
 */
public interface ProgramImage {

    /** The program's name (a bundle's symbolic name). */
    String name();

    /** Where it came from, for {@code ps}: {@code dev.kosh.hello 0.1.0 #7}. */
    String origin();

    /** The capabilities its manifest declares ({@code Kosh-Capabilities}). */
    Set<String> declaredCapabilities();

    /** The space its code runs in: {@code user} or {@code driver} (a bundle's space comes from its manifest and the policy). */
    default String space() {
        return "user";
    }

    /** A new instance of the program for one process. */
    Program instantiate() throws Exception;

    /** Publishes a service on behalf of a process of this program; the handle withdraws it. */
    default <S> dev.kosh.api.Handle publish(Class<S> type, S service) {
        throw new UnsupportedOperationException("program " + name() + " cannot publish services");
    }
}
