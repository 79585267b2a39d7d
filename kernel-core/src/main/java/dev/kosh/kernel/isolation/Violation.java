package dev.kosh.kernel.isolation;

/**
 * One use of ambient authority found in a class.
 *
 * @param className   binary name of the class
 * @param method      name and descriptor of the method ({@code main([Ljava/lang/String;)V}), or
 *                    {@code <class>} for the class's own declarations (superclass, interfaces)
 * @param offset      bytecode offset of the instruction in the method, or -1
 * @param instruction the instruction or declaration ({@code invokestatic java/lang/System.exit(I)V})
 * @param rule        the rule that refuses it, with its reason
 */
public record Violation(String className, String method, int offset, String instruction, String rule) {
    @Override
    public String toString() {
        String where = offset >= 0 ? className + "." + method + " @" + offset : className + " " + method;
        return where + ": " + instruction + " -- " + rule;
    }
}
