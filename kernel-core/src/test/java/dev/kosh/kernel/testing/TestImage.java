package dev.kosh.kernel.testing;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import dev.kosh.api.Handle;
import dev.kosh.api.Program;
import dev.kosh.kernel.process.ProgramImage;

/** A program image whose processes all run one lambda; records the services its processes publish. */
public final class TestImage implements ProgramImage {
    private final String name;
    private final Set<String> declared;
    private final Program program;
    private final List<Published> published = new CopyOnWriteArrayList<>();

    TestImage(String name, Set<String> declared, Program program) {
        this.name = name;
        this.declared = Set.copyOf(declared);
        this.program = program;
    }

    /** A service published through this image; {@link #closes} counts how often it was withdrawn. */
    public record Published(Class<?> type, Object service, AtomicInteger closes) implements Handle {
        @Override
        public void close() {
            closes.incrementAndGet();
        }

        public boolean withdrawn() {
            return closes.get() > 0;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String origin() {
        return name + " 0.0.1 (test)";
    }

    @Override
    public Set<String> declaredCapabilities() {
        return declared;
    }

    @Override
    public Program instantiate() {
        return program;
    }

    @Override
    public <S> Handle publish(Class<S> type, S service) {
        Published p = new Published(type, service, new AtomicInteger());
        published.add(p);
        return p;
    }

    public List<Published> published() {
        return List.copyOf(published);
    }
}
