package dev.kosh.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.InputStream;
import java.lang.classfile.Annotation;
import java.lang.classfile.AnnotationValue;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The versions the framework exports the system packages at are the versions their
 * {@code package-info} declares (the {@code @Version} bnd reads when it builds the bundles that
 * import them): a package moved to 1.1.0 but exported as 1.0.0 leaves every bundle built against
 * it unresolvable, which only a booted kernel would otherwise show.
 */
class SystemPackagesTest {

    @Test
    void everySystemPackageIsExportedAtTheVersionItsPackageInfoDeclares() throws Exception {
        Map<String, String> exported = new LinkedHashMap<>();
        for (String clause : KoshFramework.SYSTEM_PACKAGES.split(",")) {
            String[] parts = clause.split(";version=");
            exported.put(parts[0].strip(), parts[1].strip());
        }
        assertFalse(exported.isEmpty());
        for (Map.Entry<String, String> e : exported.entrySet()) {
            assertEquals(declaredVersion(e.getKey()), e.getValue(), "the version " + e.getKey() + " is exported at");
        }
    }

    /** The {@code @org.osgi.annotation.versioning.Version} of a package (class retention: read from the class file). */
    private static String declaredVersion(String pkg) throws Exception {
        String resource = "/" + pkg.replace('.', '/') + "/package-info.class";
        try (InputStream in = SystemPackagesTest.class.getResourceAsStream(resource)) {
            assertNotNull(in, "no package-info for " + pkg);
            ClassModel model = ClassFile.of().parse(in.readAllBytes());
            var invisible = model.findAttribute(Attributes.runtimeInvisibleAnnotations()).orElseThrow();
            for (Annotation a : invisible.annotations()) {
                if (!a.classSymbol().descriptorString().equals("Lorg/osgi/annotation/versioning/Version;")) continue;
                return ((AnnotationValue.OfString) a.elements().getFirst().value()).stringValue();
            }
            throw new AssertionError(pkg + " declares no @Version");
        }
    }
}
