package dev.kosh.launcher;

import java.util.concurrent.atomic.AtomicLong;

import org.osgi.framework.Bundle;
import org.osgi.framework.hooks.weaving.WeavingException;
import org.osgi.framework.hooks.weaving.WeavingHook;
import org.osgi.framework.hooks.weaving.WovenClass;

import dev.kosh.kernel.isolation.ClassWeaver;
import dev.kosh.kernel.isolation.WeaveResult;
import dev.kosh.kernel.journal.Journal;

/**
 * Every class a process bundle loads passes here before it is defined: the verifier refuses
 * ambient authority (naming class, method, instruction and rule), and the weaver inserts the
 * preemption points, the uncatchable kill and the reflection guards (docs/isolation.md).
 *
 * <p>Which bundles: every bundle except the trusted system libraries — bundles the kernel
 * installed from its own system directory that are neither programs nor drivers (Felix SCR and
 * the OSGi utility bundles). Programs, drivers, and anything deployed or run by a user are woven,
 * libraries included.
 *
 * <p>Called by the framework on whatever thread loads the class; stateless but for counters.
 */
final class Weaving implements WeavingHook {
    private final ClassWeaver weaver = ClassWeaver.standard();
    private final Journal journal;
    private final AtomicLong woven = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    Weaving(Journal journal) {
        this.journal = journal;
    }

    static boolean trusted(Bundle b) {
        return b.getBundleId() == 0
                || (b.getLocation().startsWith(KoshFramework.SYSTEM_LOCATION)
                    && b.getHeaders("").get(KoshFramework.MAIN_HEADER) == null
                    && b.getHeaders("").get(KoshFramework.DRIVER_HEADER) == null);
    }

    @Override
    public void weave(WovenClass wovenClass) {
        Bundle bundle = wovenClass.getBundleWiring().getBundle();
        if (trusted(bundle)) return;
        String who = bundle.getSymbolicName() + " " + bundle.getVersion();
        WeaveResult result = weaver.weave(wovenClass.getClassName(), wovenClass.getBytes(),
                wovenClass.getBundleWiring().getClassLoader(), who);
        switch (result) {
            case WeaveResult.Woven w -> {
                wovenClass.setBytes(w.bytes());
                wovenClass.getDynamicImports().addAll(w.importedPackages());
                woven.incrementAndGet();
            }
            case WeaveResult.Unchanged u -> { }
            case WeaveResult.Refused r -> refuse(who, r.verdict().message());
            case WeaveResult.Failed f -> refuse(who, "class " + f.className() + " could not be made preemptible: " + f.reason());
        }
    }

    private void refuse(String who, String why) {
        refused.incrementAndGet();
        journal.error("isolation", "refused a class of " + who + ": " + why);
        // A WeavingException fails this class's definition (ClassFormatError) without the framework
        // disabling the hook, as any other exception would.
        throw new WeavingException(why);
    }

    long classesWoven() {
        return woven.get();
    }

    long classesRefused() {
        return refused.get();
    }
}
