package dev.kosh.launcher;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.hooks.weaving.WeavingException;

import dev.kosh.api.Errno;
import dev.kosh.api.Handle;
import dev.kosh.api.Program;
import dev.kosh.api.SysResult;
import dev.kosh.driver.DriverManager;
import dev.kosh.driver.api.KoshDriver;
import dev.kosh.kernel.process.ProgramImage;
import dev.kosh.kernel.process.ProgramLoader;

/**
 * Programs from bundles: a bundle with {@code Kosh-Main} is a program, one with
 * {@code Kosh-Driver-Class} a driver, anything else a library. The main class is loaded through
 * the bundle's own class loader, so it sees only what the bundle wires to.
 */
final class BundlePrograms implements ProgramLoader {
    private final KoshFramework framework;
    private final DriverManager drivers;

    BundlePrograms(KoshFramework framework, DriverManager drivers) {
        this.framework = framework;
        this.drivers = drivers;
    }

    @Override
    public SysResult<ProgramImage> find(String name) {
        if (name == null || name.isBlank()) return SysResult.err(Errno.INVALID_ARGUMENT, "no program name");
        Optional<Bundle> found = framework.bundle(name);
        if (found.isEmpty()) return SysResult.err(Errno.NO_SUCH_PROGRAM, "no bundle named " + name + " is installed");
        Bundle bundle = found.get();
        String main = bundle.getHeaders().get(KoshFramework.MAIN_HEADER);
        String driverClass = bundle.getHeaders().get(KoshFramework.DRIVER_CLASS_HEADER);
        if (main == null && driverClass == null) {
            return SysResult.err(Errno.NO_SUCH_PROGRAM, name + " is a library bundle (no " + KoshFramework.MAIN_HEADER + " header)");
        }
        if (bundle.getState() != Bundle.ACTIVE) {
            try {
                bundle.start();
            } catch (BundleException e) {
                return SysResult.err(Errno.NO_SUCH_PROGRAM, name + " cannot start: " + framework.explain(bundle, e));
            }
        }
        return SysResult.ok(new BundleImage(bundle, origin(bundle), framework.spaces().spaceOf(bundle).label(), main, driverClass, drivers));
    }

    static Set<String> declaredCapabilities(Bundle bundle) {
        String header = bundle.getHeaders().get(KoshFramework.CAPABILITIES_HEADER);
        Set<String> caps = new LinkedHashSet<>();
        if (header != null) Arrays.stream(header.split("[,\\s]+")).filter(s -> !s.isEmpty()).forEach(caps::add);
        return caps;
    }

    static String origin(Bundle b) {
        return b.getSymbolicName() + " " + b.getVersion() + " #" + b.getBundleId();
    }

    /**
     * One bundle's program. Holds the bundle, not its classes: classes are loaded per process.
     * {@code origin} is fixed when the image is made: a process keeps saying which revision it
     * started from even after the bundle is updated under it; so is its {@code space}.
     */
    private record BundleImage(Bundle bundle, String origin, String space, String mainClass, String driverClass, DriverManager drivers) implements ProgramImage {
        @Override
        public String name() {
            return bundle.getSymbolicName();
        }


        @Override
        public Set<String> declaredCapabilities() {
            return BundlePrograms.declaredCapabilities(bundle);
        }

        @Override
        public Program instantiate() throws Exception {
            try {
                return create();
            } catch (ClassFormatError e) {
                // The weaving hook refused a class: say what the verifier said, not "unexpected error".
                if (e.getCause() instanceof WeavingException refusal) {
                    throw new ClassFormatError("refused by the bytecode verifier: " + refusal.getMessage());
                }
                throw e;
            }
        }

        private Program create() throws Exception {
            if (mainClass != null) {
                Class<?> c = bundle.loadClass(mainClass.strip());
                if (!Program.class.isAssignableFrom(c)) {
                    throw new ClassCastException(mainClass + " does not implement " + Program.class.getName());
                }
                return (Program) c.getConstructor().newInstance();
            }
            Class<?> c = bundle.loadClass(driverClass.strip());
            if (!KoshDriver.class.isAssignableFrom(c)) {
                throw new ClassCastException(driverClass + " does not implement " + KoshDriver.class.getName());
            }
            String driverName = bundle.getHeaders().get(KoshFramework.DRIVER_HEADER);
            if (driverName == null) throw new IllegalStateException(name() + " has " + KoshFramework.DRIVER_CLASS_HEADER + " but no " + KoshFramework.DRIVER_HEADER);
            KoshDriver driver = (KoshDriver) c.getConstructor().newInstance();
            return drivers.hostFor(driverName.strip(), driver).orThrow();
        }

        @Override
        public <S> Handle publish(Class<S> type, S service) {
            ServiceRegistration<S> reg = bundle.getBundleContext().registerService(type, service, null);
            return () -> {
                try {
                    reg.unregister();
                } catch (IllegalStateException alreadyGone) {
                    // the bundle stopped first and the framework withdrew it: nothing left to release
                }
            };
        }
    }
}
