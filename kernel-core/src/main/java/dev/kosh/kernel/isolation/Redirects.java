package dev.kosh.kernel.isolation;

import dev.kosh.sandbox.Redirect;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.util.Collection;

/**
 * The weaver's half of {@link Redirect}: which calls are replaced, and the code that replaces them.
 * A call matches a target when its name and descriptor are the target's and its owner is the
 * target's class or a subtype of it (as the type hierarchy tells; an owner whose hierarchy is
 * unknown does not match).
 */
final class Redirects {
    private static final ClassDesc REDIRECT = ClassDesc.of(Redirect.class.getName());
    private static final ClassDesc SERVICE_LOADER = ClassDesc.of("java.util.ServiceLoader");
    private static final MethodTypeDesc GET_CLASS_LOADER = MethodTypeDesc.of(ClassDesc.of("java.lang.ClassLoader"));
    private static final MethodTypeDesc LOAD_WITH_LOADER = MethodTypeDesc.of(SERVICE_LOADER, ConstantDescs.CD_Class, ClassDesc.of("java.lang.ClassLoader"));
    private static final MethodTypeDesc REQUIRE_NON_NULL = MethodTypeDesc.of(ConstantDescs.CD_Object, ConstantDescs.CD_Object);

    private Redirects() {}

    /**
     * The redirect target this member use matches, or null.
     *
     * @param supertypes the owner's binary name and all its supertypes (the owner's closure)
     */
    static String target(Collection<String> supertypes, String name, String descriptor) {
        for (String s : supertypes) {
            String t = s.replace('.', '/') + "." + name + descriptor;
            if (Redirect.TARGETS.contains(t)) return t;
        }
        return null;
    }

    /**
     * Emits the replacement of {@code call} (the target it matches, {@code target}) in a method of
     * {@code thisClass}: same stack effect as the call.
     */
    static void emit(CodeBuilder b, InvokeInstruction call, String target, ClassDesc thisClass) {
        switch (target) {
            case "java/lang/Throwable.printStackTrace()V" ->
                    b.invokestatic(REDIRECT, "printStackTrace", MethodTypeDesc.of(ConstantDescs.CD_void, ConstantDescs.CD_Throwable));
            case "java/lang/Thread.dumpStack()V" -> b.invokestatic(REDIRECT, "dumpStack", MethodTypeDesc.of(ConstantDescs.CD_void));
            case "java/lang/Thread.getContextClassLoader()Ljava/lang/ClassLoader;" -> {
                // the receiver is dropped (after the null check the original call would make); the
                // answer is the loader of the calling class: what its own bundle can see
                b.invokestatic(ClassDesc.of("java.util.Objects"), "requireNonNull", REQUIRE_NON_NULL);
                b.pop();
                b.ldc(thisClass);
                b.invokevirtual(ConstantDescs.CD_Class, "getClassLoader", GET_CLASS_LOADER);
            }
            case "java/util/ServiceLoader.load(Ljava/lang/Class;)Ljava/util/ServiceLoader;" -> {
                b.ldc(thisClass);
                b.invokevirtual(ConstantDescs.CD_Class, "getClassLoader", GET_CLASS_LOADER);
                b.invokestatic(SERVICE_LOADER, "load", LOAD_WITH_LOADER);
            }
            default -> throw new IllegalStateException("no replacement for " + target + " at " + call);
        }
    }
}
