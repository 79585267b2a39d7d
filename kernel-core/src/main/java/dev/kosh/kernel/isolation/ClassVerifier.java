package dev.kosh.kernel.isolation;

import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeModel;
import java.lang.classfile.Instruction;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.attribute.CodeAttribute;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.instruction.ConstantInstruction;
import java.lang.classfile.instruction.ExceptionCatch;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.classfile.instruction.InvokeDynamicInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.LoadInstruction;
import java.lang.classfile.instruction.NewMultiArrayInstruction;
import java.lang.classfile.instruction.NewObjectInstruction;
import java.lang.classfile.instruction.NewReferenceArrayInstruction;
import java.lang.classfile.instruction.StoreInstruction;
import java.lang.classfile.instruction.TypeCheckInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDesc;
import java.lang.constant.DirectMethodHandleDesc;
import java.lang.constant.DynamicConstantDesc;
import java.lang.constant.MethodHandleDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.reflect.AccessFlag;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Refuses classes that use ambient authority, before they are defined: every method's code is
 * read with {@code java.lang.classfile} and every instruction that names a class or member
 * (invoke*, field access, new, checkcast/instanceof, anewarray, ldc of classes, method types,
 * method handles and dynamic constants, invokedynamic bootstrap methods and their arguments,
 * catch types) is checked against the {@link DenyPolicy}, as are the class's superclass chain and
 * interfaces. Built-in rules, not in the policy file because they are about structure, not names:
 * finalizers, exception handlers that cover themselves, reflective entry points reached through
 * method handles, and entry points without a guard.
 *
 * <p>Every violation is reported, not only the first. Thread-safe: one verifier serves every
 * bundle.
 */
public final class ClassVerifier {
    /** Built-in rule: finalizers. */
    public static final String FINALIZER = "finalizer: finalize() runs on the JVM's finalizer thread, outside the process";
    /** Built-in rule: a handler that covers its own code can catch the kill error it rethrows, forever. */
    public static final String SELF_HANDLER = "exception handler covers itself: it could catch the kill error forever";
    /** Built-in rule: method handle constants to reflective entry points. */
    public static final String ENTRY_POINT_HANDLE = "reflective entry point as a method handle or method reference: it would skip its run-time guard; call it directly";
    /** Built-in rule: a new overload of an entry point that {@code dev.kosh.sandbox.Guard} does not guard. */
    public static final String REDIRECTED_HANDLE = "method the sandbox replaces (dev.kosh.sandbox.Redirect) as a method handle or method reference: it would skip the replacement; call it directly";

    public static final String UNGUARDED = "reflective entry point without a run-time guard for this overload";
    /** Built-in rule: unreadable class file. */
    public static final String MALFORMED = "malformed class file";

    private final DenyPolicy policy;

    public ClassVerifier(DenyPolicy policy) {
        this.policy = policy;
    }

    /** A verifier with the shipped deny list. */
    public static ClassVerifier standard() {
        return new ClassVerifier(DenyPolicy.standard());
    }

    public DenyPolicy policy() {
        return policy;
    }

    /**
     * Verifies one class file.
     *
     * @param process   the bundle or process loading it, for messages
     * @param bytes     the class file
     * @param hierarchy supertypes of classes named by its instructions (e.g.
     *                  {@code TypeHierarchy.jdk().orElse(TypeHierarchy.ofResources(bundleLoader))})
     */
    public Verdict verify(String process, byte[] bytes, TypeHierarchy hierarchy) {
        ClassModel model;
        try {
            model = ClassFile.of().parse(bytes);
        } catch (IllegalArgumentException e) {
            return new Verdict.Refused(process, "?", List.of(new Violation("?", "<class>", -1, "class file", MALFORMED + ": " + e.getMessage())));
        }
        return verify(process, model, hierarchy);
    }

    /** Verifies a parsed class file (see {@link #verify(String, byte[], TypeHierarchy)}). */
    public Verdict verify(String process, ClassModel model, TypeHierarchy hierarchy) {
        Scan scan = new Scan(model, hierarchy);
        try {
            scan.run();
        } catch (IllegalArgumentException e) { // the class file API found something it cannot read
            scan.violations.add(new Violation(scan.className, "<class>", -1, "class file", MALFORMED + ": " + e.getMessage()));
        }
        return scan.violations.isEmpty()
                ? new Verdict.Accepted(scan.className)
                : new Verdict.Refused(process, scan.className, scan.violations);
    }

    /** The state of verifying one class. */
    private final class Scan {
        final ClassModel model;
        final String className;
        final String internalName;
        final TypeHierarchy hierarchy;
        final List<Violation> violations = new ArrayList<>();
        final Map<String, List<String>> closures = new HashMap<>();
        String method = "<class>";
        int offset = -1;

        Scan(ClassModel model, TypeHierarchy base) {
            this.model = model;
            this.internalName = model.thisClass().asInternalName();
            this.className = internalName.replace('/', '.');
            List<String> own = TypeHierarchy.supertypesOf(model);
            this.hierarchy = ((TypeHierarchy) n -> n.equals(className) ? own : null).orElse(base);
        }

        void run() {
            List<String> supers = TypeHierarchy.supertypesOf(model);
            for (String s : supers) typeUse(s, "extends/implements " + s);
            List<String> all = new ArrayList<>();
            for (String s : supers) all.addAll(closure(s));
            DenyPolicy.Rule ext = policy.extendsDenial(all);
            if (ext != null) add("extends " + supers.getFirst(), ext.describe());
            for (MethodModel m : model.methods()) {
                method = m.methodName().stringValue() + m.methodType().stringValue();
                offset = -1;
                if (method.equals("finalize()V") && !m.flags().has(AccessFlag.STATIC) && !m.flags().has(AccessFlag.ABSTRACT)) {
                    add("method finalize()V", FINALIZER);
                }
                m.code().ifPresent(this::code);
            }
        }

        void code(CodeModel code) {
            Map<Integer, Instruction> byBci = new HashMap<>();
            int bci = 0;
            for (CodeElement e : code) {
                if (e instanceof Instruction ins) {
                    offset = bci;
                    byBci.put(bci, ins);
                    instruction(ins);
                    bci += ins.sizeInBytes();
                }
            }
            if (code instanceof CodeAttribute ca) {
                for (ExceptionCatch h : code.exceptionHandlers()) {
                    int handler = ca.labelToBci(h.handler());
                    offset = handler;
                    h.catchType().ifPresent(t -> typeUse(binary(t), "catch " + binary(t)));
                    int start = ca.labelToBci(h.tryStart());
                    int end = ca.labelToBci(h.tryEnd());
                    if (handler >= start && handler < end && end > handler + prologueLength(byBci, handler)) {
                        add("exception handler @" + handler, SELF_HANDLER);
                    }
                }
            }
        }

        /**
         * javac makes finally and synchronized handlers cover their own first instructions
         * ({@code astore t}, and for synchronized also {@code aload lock; monitorexit}); the weaver
         * trims such ranges to end at the handler. Anything else covered is refused.
         */
        private int prologueLength(Map<Integer, Instruction> byBci, int handler) {
            Instruction a = byBci.get(handler);
            if (!(a instanceof StoreInstruction)) return 0;
            Instruction b = byBci.get(handler + a.sizeInBytes());
            if (!(b instanceof LoadInstruction)) return a.sizeInBytes();
            Instruction c = byBci.get(handler + a.sizeInBytes() + b.sizeInBytes());
            if (c == null || c.opcode() != Opcode.MONITOREXIT) return a.sizeInBytes();
            return a.sizeInBytes() + b.sizeInBytes() + c.sizeInBytes();
        }

        void instruction(Instruction ins) {
            switch (ins) {
                case InvokeInstruction i -> {
                    String text = op(i) + " " + i.owner().asInternalName() + "." + i.name().stringValue() + i.type().stringValue();
                    member(i.owner().asSymbol(), i.name().stringValue(), i.typeSymbol(), i.type().stringValue(), text);
                    String b = binary(i.owner().asSymbol());
                    boolean redirected = b != null && Redirects.target(closure(b), i.name().stringValue(), i.type().stringValue()) != null;
                    if (!redirected && Guards.isEntryPoint(i.owner().asInternalName(), i.name().stringValue())) {
                        boolean isStatic = i.opcode() == Opcode.INVOKESTATIC;
                        if (!Guards.hasGuard(i.name().stringValue(), Guards.guardType(isStatic, i.owner().asSymbol(), i.typeSymbol()))) {
                            add(text, UNGUARDED);
                        }
                    }
                }
                case FieldInstruction f -> {
                    String text = op(f) + " " + f.owner().asInternalName() + "." + f.name().stringValue() + ":" + f.type().stringValue();
                    fieldUse(f.owner().asSymbol(), f.name().stringValue(), f.typeSymbol(), text);
                }
                case NewObjectInstruction n -> typeUse(binary(n.className()), "new " + n.className().asInternalName());
                case TypeCheckInstruction t -> typeUse(binary(t.type()), op(t) + " " + t.type().asInternalName());
                case NewReferenceArrayInstruction a -> typeUse(binary(a.componentType()), "anewarray " + a.componentType().asInternalName());
                case NewMultiArrayInstruction a -> typeUse(binary(a.arrayType()), "multianewarray " + a.arrayType().asInternalName());
                case ConstantInstruction.LoadConstantInstruction l -> constant(l.constantValue(), op(l) + " " + l.constantValue());
                case InvokeDynamicInstruction d -> {
                    String text = "invokedynamic " + d.name().stringValue() + d.typeSymbol().descriptorString() + " bootstrap " + describe(d.bootstrapMethod());
                    descriptorTypes(d.typeSymbol(), text);
                    constant(d.bootstrapMethod(), text);
                    for (ConstantDesc arg : d.bootstrapArgs()) constant(arg, text);
                }
                default -> { }
            }
        }

        private void constant(ConstantDesc c, String text) {
            switch (c) {
                case ClassDesc cd -> {
                    String b = binary(cd);
                    if (b != null) typeUse(b, text);
                }
                case MethodTypeDesc mt -> descriptorTypes(mt, text);
                case DirectMethodHandleDesc mh -> handle(mh, text);
                case MethodHandleDesc mh -> descriptorTypes(mh.invocationType(), text);
                case DynamicConstantDesc<?> dc -> {
                    handle(dc.bootstrapMethod(), text);
                    for (ConstantDesc a : dc.bootstrapArgs()) constant(a, text);
                    String b = binary(dc.constantType());
                    if (b != null) typeUse(b, text);
                }
                default -> { } // String, Integer, Long, Float, Double
            }
        }

        private void handle(DirectMethodHandleDesc mh, String text) {
            String owner = mh.owner().descriptorString();
            String internalOwner = owner.substring(1, owner.length() - 1);
            String name = mh.methodName();
            switch (mh.kind()) {
                case GETTER, SETTER, STATIC_GETTER, STATIC_SETTER ->
                        fieldUse(mh.owner(), name, ClassDesc.ofDescriptor(mh.lookupDescriptor()), text);
                default -> {
                    MethodTypeDesc type = MethodTypeDesc.ofDescriptor(mh.lookupDescriptor());
                    member(mh.owner(), name, type, type.descriptorString(), text);
                    if (Guards.isEntryPoint(internalOwner, name)) add(text, ENTRY_POINT_HANDLE);
                    String b = binary(mh.owner());
                    if (b != null && Redirects.target(closure(b), name, mh.lookupDescriptor()) != null) add(text, REDIRECTED_HANDLE);
                }
            }
        }

        private void member(ClassDesc owner, String name, MethodTypeDesc type, String descriptor, String text) {
            String b = binary(owner);
            if (b == null) return;
            if (!owner.isArray()) {
                DenyPolicy.Rule r = policy.typeDenial(b);
                if (r == null) r = policy.memberDenial(closure(b), name, descriptor);
                if (r != null) {
                    add(text, r.describe());
                    return;
                }
            } else {
                typeUse(b, text);
            }
            descriptorTypes(type, text);
        }

        private void fieldUse(ClassDesc owner, String name, ClassDesc type, String text) {
            String b = binary(owner);
            if (b == null) return;
            DenyPolicy.Rule r = policy.typeDenial(b);
            if (r == null) r = policy.memberDenial(closure(b), name, type.descriptorString());
            if (r != null) {
                add(text, r.describe());
                return;
            }
            String t = binary(type);
            if (t != null) typeUse(t, text);
        }

        private void descriptorTypes(MethodTypeDesc type, String text) {
            Set<String> seen = new LinkedHashSet<>();
            String r = binary(type.returnType());
            if (r != null) seen.add(r);
            for (ClassDesc p : type.parameterList()) {
                String b = binary(p);
                if (b != null) seen.add(b);
            }
            for (String s : seen) {
                DenyPolicy.Rule rule = policy.typeDenial(s);
                if (rule != null) {
                    add(text, rule.describe() + " (in a descriptor)");
                    return;
                }
            }
        }

        private void typeUse(String binaryName, String text) {
            if (binaryName == null) return;
            DenyPolicy.Rule r = policy.typeDenial(binaryName);
            if (r != null) add(text, r.describe());
        }

        /** {@code type} and all its known supertypes, breadth first. */
        private List<String> closure(String type) {
            return closures.computeIfAbsent(type, hierarchy::closure);
        }

        private void add(String text, String rule) {
            violations.add(new Violation(className, method, offset, text, rule));
        }
    }

    private static String op(Instruction i) {
        return i.opcode().name().toLowerCase();
    }

    private static String describe(DirectMethodHandleDesc mh) {
        String o = mh.owner().descriptorString();
        return o.substring(1, o.length() - 1) + "." + mh.methodName() + mh.lookupDescriptor();
    }

    private static String binary(ClassEntry e) {
        return binary(e.asSymbol());
    }

    /** Binary name of a class type, of an array's element class, or null for primitives. */
    static String binary(ClassDesc d) {
        while (d.isArray()) d = d.componentType();
        if (d.isPrimitive()) return null;
        String s = d.descriptorString();
        return s.substring(1, s.length() - 1).replace('/', '.');
    }
}
