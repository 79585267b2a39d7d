package dev.kosh.memory;

/**
 * The rights of a mapped page. A present x86-64 page is always readable; these are the three
 * bits that restrict it further: RW (bit 1), US (bit 2) and NX (bit 63, set when not executable).
 *
 * @param writable   writes allowed (RW); with CR0.WP set, for the kernel as well
 * @param executable instruction fetches allowed (NX clear)
 * @param user       reachable from user mode (US); the kernel may always read user pages
 */
public record Protection(boolean writable, boolean executable, boolean user) {

    /** User data that may only be read (rodata). */
    public static final Protection USER_READ = new Protection(false, false, true);
    /** User data (heap, stack). */
    public static final Protection USER_READ_WRITE = new Protection(true, false, true);
    /** User code (text). */
    public static final Protection USER_READ_EXECUTE = new Protection(false, true, true);
    /** Kernel-only data. */
    public static final Protection KERNEL_READ_WRITE = new Protection(true, false, false);
    /** Kernel-only read-only data. */
    public static final Protection KERNEL_READ = new Protection(false, false, false);

    /** Whether an access of this kind from this mode is allowed by these rights. */
    public boolean permits(AccessKind access, boolean userMode) {
        if (userMode && !user) {
            return false;
        }
        return switch (access) {
            case READ -> true;
            case WRITE -> writable;
            case EXECUTE -> executable;
        };
    }
}
