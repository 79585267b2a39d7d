package dev.kosh.hal;

import java.util.Objects;
import java.util.Optional;

/** What {@link PlatformInterface#enableMmu} did: the root now active, and the one it replaced. */
public record MmuActivation(PageTableRoot active, Optional<PageTableRoot> previous) {

    public MmuActivation {
        Objects.requireNonNull(active, "active");
        Objects.requireNonNull(previous, "previous");
    }
}
