package dev.kosh.kernel.isolation;

import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeModel;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.Instruction;
import java.lang.classfile.Label;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.TypeKind;
import java.lang.classfile.attribute.CodeAttribute;
import java.lang.classfile.instruction.BranchInstruction;
import java.lang.classfile.instruction.ExceptionCatch;
import java.lang.classfile.instruction.InvokeDynamicInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.LabelTarget;
import java.lang.classfile.instruction.LoadInstruction;
import java.lang.classfile.instruction.LookupSwitchInstruction;
import java.lang.classfile.instruction.StoreInstruction;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.classfile.instruction.TableSwitchInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Verifies a class and, if it is accepted, weaves it so the kernel keeps control of its threads:
 *
 * <ul>
 *   <li><b>preemption points</b>: on every path from a method's entry (or a join point: branch
 *       target, handler) to its first call, a poll before that call; before every branch to an
 *       earlier offset (loop back-edges, backward switches) unless the straight-line run leading
 *       to it has polled already. Polls inside a loop are {@code Checkpoint.poll()} (free in
 *       compiled code while the kernel requests nothing); the others, which run at most once per
 *       invocation, {@code Checkpoint.pollEntry()} (a plain read, so that a signal deoptimizes
 *       none of that code), or in methods on a call cycle of their class ({@link CallCycles})
 *       {@code Checkpoint.pollRecursion()} (free in compiled code; a request reaches it only if
 *       still outstanding a few milliseconds later, so a kill deoptimizes the frames of a deep
 *       recursion only when its thread reaches no other point). Leaf code (no call, no loop) runs
 *       in bounded time and is not polled;</li>
 *   <li><b>uncatchable kill</b>: every exception handler first passes the caught throwable to
 *       {@code Checkpoint.caught}, which rethrows the kill error (for javac's
 *       {@code synchronized} handlers, right after their {@code monitorexit}, so the monitor is
 *       released and the rethrow is outside the handler's own range);</li>
 *   <li><b>reflection guards</b>: before each call to a reflective entry point
 *       ({@code dev.kosh.sandbox.Guard#ENTRY_POINTS}) a call to its guard with the same receiver
 *       and arguments (spilled to fresh locals and reloaded); the original call stays where it was.</li>
 * </ul>
 *
 * <p>Stack maps are regenerated; the {@link ClassHierarchyResolver} given must know the class's
 * supertypes (e.g. {@code defaultResolver().orElse(ofResourceParsing(bundleLoader))}).
 * Thread-safe: one weaver serves every bundle.
 */
public final class ClassWeaver {
    /** The package woven code references; the bundle must import it (dynamically). */
    public static final String SANDBOX_PACKAGE = "dev.kosh.sandbox";

    private static final ClassDesc CHECKPOINT = ClassDesc.of(SANDBOX_PACKAGE + ".Checkpoint");
    private static final MethodTypeDesc POLL = MethodTypeDesc.of(ConstantDescs.CD_void);
    private static final MethodTypeDesc CAUGHT = MethodTypeDesc.of(ConstantDescs.CD_void, ConstantDescs.CD_Throwable);

    private final ClassVerifier verifier;

    public ClassWeaver(ClassVerifier verifier) {
        this.verifier = verifier;
    }

    /** A weaver with the shipped deny list. */
    public static ClassWeaver standard() {
        return new ClassWeaver(ClassVerifier.standard());
    }

    public ClassVerifier verifier() {
        return verifier;
    }

    /**
     * Verifies and weaves a class that {@code bundleLoader} is about to define, resolving
     * supertypes from the JDK and from the loader's resources (never by loading classes).
     */
    public WeaveResult weave(String className, byte[] bytes, ClassLoader bundleLoader, String process) {
        return weave(className, bytes,
                ClassHierarchyResolver.defaultResolver().orElse(ClassHierarchyResolver.ofResourceParsing(bundleLoader)),
                TypeHierarchy.jdk().orElse(TypeHierarchy.ofResources(bundleLoader)), process);
    }

    /**
     * Verifies and weaves one class.
     *
     * @param className binary name the class is expected to have (for messages)
     * @param resolver  supertypes for stack-map generation
     * @param hierarchy supertypes for the deny rules
     * @param process   the bundle or process, for messages
     */
    public WeaveResult weave(String className, byte[] bytes, ClassHierarchyResolver resolver, TypeHierarchy hierarchy, String process) {
        ClassModel model;
        try {
            model = ClassFile.of().parse(bytes);
        } catch (IllegalArgumentException e) {
            return new WeaveResult.Refused(new Verdict.Refused(process, className,
                    List.of(new Violation(className, "<class>", -1, "class file", ClassVerifier.MALFORMED + ": " + e.getMessage()))));
        }
        switch (verifier.verify(process, model, hierarchy)) {
            case Verdict.Refused r -> {
                return new WeaveResult.Refused(r);
            }
            case Verdict.Accepted a -> { }
        }
        if (model.methods().stream().noneMatch(m -> m.code().isPresent())) return new WeaveResult.Unchanged(className);
        Counts counts = new Counts();
        ClassDesc thisClass = model.thisClass().asSymbol();
        List<String> own = TypeHierarchy.supertypesOf(model);
        TypeHierarchy types = ((TypeHierarchy) n -> n.equals(className(thisClass)) ? own : null).orElse(hierarchy);
        java.util.Set<String> recursive = CallCycles.recursive(model);
        ClassTransform transform = (clb, cle) -> {
            if (cle instanceof MethodModel mm && mm.code().isPresent()) {
                counts.methods++;
                boolean onCycle = recursive.contains(CallCycles.key(mm));
                clb.transformMethod(mm, (mb, me) -> {
                    if (me instanceof CodeModel cm) mb.transformCode(cm, new MethodWeave(cm, counts, thisClass, types, onCycle));
                    else mb.with(me);
                });
            } else {
                clb.with(cle);
            }
        };
        try {
            byte[] out = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(resolver)).transformClass(model, transform);
            return new WeaveResult.Woven(className, out, counts.stats(), List.of(SANDBOX_PACKAGE));
        } catch (IllegalArgumentException | IllegalStateException e) {
            return new WeaveResult.Failed(process, className, "cannot weave " + className + ": " + e.getMessage());
        }
    }

    private static String className(ClassDesc d) {
        return ClassVerifier.binary(d);
    }

    private static final class Counts {
        int methods, entry, backEdge, handler, guarded;

        WeaveStats stats() {
            return new WeaveStats(methods, entry, backEdge, handler, guarded);
        }
    }

    /** Weaves one method body; a new instance per method (it tracks labels already passed). */
    private static final class MethodWeave implements CodeTransform {
        private enum HandlerState { NONE, AT_START, STORED, LOCK_LOADED, MONITOR_EXITED }

        private final Counts counts;
        private final boolean[] inLoop; // by element index
        private int index = -1;         // of the element being woven
        private final ClassDesc thisClass;
        private final TypeHierarchy types;
        /** The method is on a call cycle of its class: its entry points are folded ({@code pollRecursion}). */
        private final boolean onCycle;
        private final Set<Label> handlerLabels = new HashSet<>();
        private final Set<Label> branchTargets = new HashSet<>();
        private final Set<Label> passed = new HashSet<>();
        private final Set<List<Label>> selfCovering = new HashSet<>(); // by labels: elements are fresh objects on each pass
        /** A poll has run on every path from the last join point (branch target, handler) to here. */
        private boolean polled;
        private HandlerState state = HandlerState.NONE;
        private int stored;

        MethodWeave(CodeModel code, Counts counts, ClassDesc thisClass, TypeHierarchy types, boolean onCycle) {
            this.counts = counts;
            this.onCycle = onCycle;
            this.thisClass = thisClass;
            this.types = types;
            for (ExceptionCatch h : code.exceptionHandlers()) {
                handlerLabels.add(h.handler());
                if (code instanceof CodeAttribute ca) {
                    int handler = ca.labelToBci(h.handler());
                    if (handler >= ca.labelToBci(h.tryStart()) && handler < ca.labelToBci(h.tryEnd())) selfCovering.add(key(h));
                }
            }
            // which elements lie inside a loop: between a backward branch's target and the branch
            // (every cycle of the control-flow graph is covered by such ranges)
            List<CodeElement> elements = code.elementList();
            inLoop = new boolean[elements.size()];
            java.util.Map<Label, Integer> at = new java.util.HashMap<>();
            for (int k = 0; k < elements.size(); k++) {
                CodeElement e = elements.get(k);
                if (e instanceof LabelTarget lt) at.put(lt.label(), k);
                if (e instanceof Instruction i && isBackEdge(i, at.keySet())) {
                    int from = k;
                    for (Label t : targets(i)) if (at.containsKey(t)) from = Math.min(from, at.get(t));
                    for (int x = from; x <= k; x++) inLoop[x] = true;
                }
            }
            for (CodeElement e : code) {
                switch (e) {
                    case BranchInstruction b -> branchTargets.add(b.target());
                    case TableSwitchInstruction t -> {
                        branchTargets.add(t.defaultTarget());
                        for (SwitchCase c : t.cases()) branchTargets.add(c.target());
                    }
                    case LookupSwitchInstruction l -> {
                        branchTargets.add(l.defaultTarget());
                        for (SwitchCase c : l.cases()) branchTargets.add(c.target());
                    }
                    default -> { }
                }
            }
        }

        @Override
        public void accept(CodeBuilder b, CodeElement e) {
            index++;
            switch (e) {
                case LabelTarget lt -> label(b, lt);
                case ExceptionCatch h when selfCovering.contains(key(h)) -> {
                    // javac's finally/synchronized handlers cover their own prologue (verified to be
                    // nothing else); end the range at the handler so the kill rethrow is outside it
                    if (!h.tryStart().equals(h.handler())) {
                        b.exceptionCatch(h.tryStart(), h.handler(), h.handler(), h.catchType());
                    }
                }
                case Instruction ins -> instruction(b, ins);
                default -> b.with(e);
            }
        }

        private void label(CodeBuilder b, LabelTarget lt) {
            Label l = lt.label();
            if (state != HandlerState.NONE && (branchTargets.contains(l) || handlerLabels.contains(l))) {
                finishHandlerCheck(b); // other paths join here: the check must stay on the handler's own path
            }
            if (branchTargets.contains(l) || handlerLabels.contains(l)) polled = false; // a join point
            passed.add(l);
            b.with(lt);
            if (handlerLabels.contains(l)) {
                state = HandlerState.AT_START;
                counts.handler++;
            }
        }

        private void instruction(CodeBuilder b, Instruction ins) {
            switch (state) {
                case NONE -> { }
                case AT_START -> {
                    if (ins instanceof StoreInstruction s && s.typeKind() == TypeKind.REFERENCE) {
                        stored = s.slot();
                        state = HandlerState.STORED;
                        b.with(ins);
                        return;
                    }
                    finishHandlerCheck(b);
                }
                case STORED -> {
                    if (ins instanceof LoadInstruction l && l.typeKind() == TypeKind.REFERENCE) {
                        state = HandlerState.LOCK_LOADED;
                        b.with(ins);
                        return;
                    }
                    finishHandlerCheck(b);
                }
                case LOCK_LOADED -> {
                    if (ins.opcode() == Opcode.MONITOREXIT) {
                        state = HandlerState.MONITOR_EXITED;
                        b.with(ins);
                        return;
                    }
                    finishHandlerCheck(b);
                }
                case MONITOR_EXITED -> finishHandlerCheck(b);
            }
            if (!polled && isBackEdge(ins, passed)) {
                poll(b);
                polled = true;
                counts.backEdge++;
            }
            if (!polled && (ins instanceof InvokeInstruction || ins instanceof InvokeDynamicInstruction)) {
                if (inLoop[index]) poll(b); // a loop body: the folded poll (its frame is deoptimized by a request)
                else if (onCycle) b.invokestatic(CHECKPOINT, "pollRecursion", POLL); // folded, reached by escalation
                else b.invokestatic(CHECKPOINT, "pollEntry", POLL); // once per invocation: a plain read
                polled = true;
                counts.entry++;
            }
            if (ins instanceof InvokeInstruction i) {
                String owner = ClassVerifier.binary(i.owner().asSymbol());
                String target = owner == null ? null : Redirects.target(types.closure(owner), i.name().stringValue(), i.type().stringValue());
                if (target != null) {
                    Redirects.emit(b, i, target, thisClass); // instead of the call
                    return;
                }
            }
            if (ins instanceof InvokeInstruction i && Guards.isEntryPoint(i.owner().asInternalName(), i.name().stringValue())) {
                guard(b, i);
                counts.guarded++;
            }
            b.with(ins);
        }

        private static List<Label> key(ExceptionCatch h) {
            return List.of(h.tryStart(), h.tryEnd(), h.handler());
        }

        /** Emits the kill rethrow for the handler being entered, wherever the state machine stands. */
        private void finishHandlerCheck(CodeBuilder b) {
            if (state == HandlerState.AT_START) {
                b.dup();
            } else {
                b.aload(stored);
            }
            b.invokestatic(CHECKPOINT, "caught", CAUGHT); // also a preemption point
            state = HandlerState.NONE;
            polled = true;
        }

        private static List<Label> targets(Instruction ins) {
            List<Label> t = new ArrayList<>();
            switch (ins) {
                case BranchInstruction br -> t.add(br.target());
                case TableSwitchInstruction ts -> {
                    t.add(ts.defaultTarget());
                    for (SwitchCase c : ts.cases()) t.add(c.target());
                }
                case LookupSwitchInstruction ls -> {
                    t.add(ls.defaultTarget());
                    for (SwitchCase c : ls.cases()) t.add(c.target());
                }
                default -> { }
            }
            return t;
        }

        private static boolean isBackEdge(Instruction ins, Set<Label> passed) {
            return switch (ins) {
                case BranchInstruction br -> passed.contains(br.target());
                case TableSwitchInstruction t -> passed.contains(t.defaultTarget()) || t.cases().stream().anyMatch(c -> passed.contains(c.target()));
                case LookupSwitchInstruction l -> passed.contains(l.defaultTarget()) || l.cases().stream().anyMatch(c -> passed.contains(c.target()));
                default -> false;
            };
        }

        private static void poll(CodeBuilder b) {
            b.invokestatic(CHECKPOINT, "poll", POLL);
        }

        /** Spills receiver and arguments, calls the guard with them, reloads them for the original call. */
        private static void guard(CodeBuilder b, InvokeInstruction i) {
            boolean isStatic = i.opcode() == Opcode.INVOKESTATIC;
            List<ClassDesc> params = i.typeSymbol().parameterList();
            List<TypeKind> kinds = new ArrayList<>();
            List<Integer> slots = new ArrayList<>();
            if (!isStatic) {
                kinds.add(TypeKind.REFERENCE);
                slots.add(0);
            }
            for (ClassDesc p : params) {
                kinds.add(TypeKind.from(p));
                slots.add(0);
            }
            for (int k = kinds.size() - 1; k >= 0; k--) {
                int slot = b.allocateLocal(kinds.get(k));
                slots.set(k, slot);
                b.storeLocal(kinds.get(k), slot);
            }
            for (int k = 0; k < kinds.size(); k++) b.loadLocal(kinds.get(k), slots.get(k));
            b.invokestatic(Guards.GUARD, i.name().stringValue(), Guards.guardType(isStatic, i.owner().asSymbol(), i.typeSymbol()));
            for (int k = 0; k < kinds.size(); k++) b.loadLocal(kinds.get(k), slots.get(k));
        }
    }
}
