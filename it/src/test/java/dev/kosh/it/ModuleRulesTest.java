package dev.kosh.it;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * The dependency rules of docs/build.md: kernel-core ← ipc, memory, scheduler ← driver-framework ←
 * launcher; HAL implementations see only the HAL; the process API sees only the JDK; nothing in
 * the kernel but the launcher knows OSGi.
 */
@Timeout(60)
class ModuleRulesTest {
    static JavaClasses kosh;

    @BeforeAll
    static void load() {
        kosh = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.kosh");
    }

    @Test
    void kernelCoreDependsOnNoOtherKernelModule() {
        noClasses().that().resideInAnyPackage("dev.kosh.kernel..", "dev.kosh.api..", "dev.kosh.hal", "dev.kosh.hal.spi..", "dev.kosh.hal.linux..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.kosh.ipc..", "dev.kosh.scheduler..", "dev.kosh.memory..",
                        "dev.kosh.driver..", "dev.kosh.launcher..", "dev.kosh.hal.x86_64..", "dev.kosh.hal.arm64..")
                .check(kosh);
    }

    @Test
    void ipcMemoryAndSchedulerDoNotDependOnEachOtherOrAbove() {
        noClasses().that().resideInAPackage("dev.kosh.ipc..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.kosh.scheduler..", "dev.kosh.memory..", "dev.kosh.driver..", "dev.kosh.launcher..")
                .check(kosh);
        noClasses().that().resideInAPackage("dev.kosh.scheduler..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.kosh.ipc..", "dev.kosh.memory..", "dev.kosh.driver..", "dev.kosh.launcher..")
                .check(kosh);
        noClasses().that().resideInAPackage("dev.kosh.memory..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.kosh.ipc..", "dev.kosh.scheduler..", "dev.kosh.driver..", "dev.kosh.launcher..")
                .check(kosh);
    }

    /** The driver manager takes DMA buffers from the frame allocator, through the memory module's API only. */
    @Test
    void driverFrameworkDoesNotDependOnTheLauncherOrMemoryInternals() {
        noClasses().that().resideInAPackage("dev.kosh.driver..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.kosh.launcher..", "dev.kosh.memory.internal..")
                .check(kosh);
        noClasses().that().resideInAPackage("dev.kosh.driver.api..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.kosh.memory..")
                .check(kosh);
    }

    @Test
    void halImplementationsSeeOnlyTheHal() {
        noClasses().that().resideInAnyPackage("dev.kosh.hal.x86_64..", "dev.kosh.hal.arm64..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.kosh.kernel..", "dev.kosh.ipc..", "dev.kosh.scheduler..",
                        "dev.kosh.memory..", "dev.kosh.driver..", "dev.kosh.launcher..")
                .check(kosh);
        noClasses().that().resideInAPackage("dev.kosh.hal.x86_64..").should().dependOnClassesThat().resideInAPackage("dev.kosh.hal.arm64..").check(kosh);
        noClasses().that().resideInAPackage("dev.kosh.hal.arm64..").should().dependOnClassesThat().resideInAPackage("dev.kosh.hal.x86_64..").check(kosh);
    }

    @Test
    void theProcessApiAndTheDriverApiSeeOnlyTheJdkAndEachOther() {
        noClasses().that().resideInAPackage("dev.kosh.api..")
                .should().dependOnClassesThat().resideOutsideOfPackages("java..", "dev.kosh.api..", "org.osgi.annotation..")
                .check(kosh);
        noClasses().that().resideInAPackage("dev.kosh.driver.api..")
                .should().dependOnClassesThat().resideOutsideOfPackages("java..", "dev.kosh.driver.api..", "dev.kosh.api..", "org.osgi.annotation..")
                .check(kosh);
    }

    /** The OSGi versioning annotations on API packages are build metadata (bnd reads them), not a dependency. */
    @Test
    void onlyTheLauncherKnowsOsgi() {
        noClasses().that().resideOutsideOfPackage("dev.kosh.launcher..")
                .should().dependOnClassesThat(com.tngtech.archunit.base.DescribedPredicate.describe("OSGi runtime types",
                        c -> (c.getPackageName().startsWith("org.osgi") && !c.getPackageName().startsWith("org.osgi.annotation"))
                                || c.getPackageName().startsWith("org.eclipse.osgi") || c.getPackageName().startsWith("org.apache.felix")))
                .check(kosh);
    }
}
