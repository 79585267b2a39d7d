package dev.kosh.memory;

/**
 * How a translation by the software MMU ended: a physical address, a page fault, or a
 * general-protection fault for a non-canonical address. Faults are values: the process
 * manager turns them into a signal to the faulting process, never a kernel exception.
 */
public sealed interface Translation {

    /** The access is allowed; {@code physicalAddress} is where it lands in the arena. */
    record Physical(long virtualAddress, long physicalAddress) implements Translation {}

    /**
     * A page fault (#PF). {@link #errorCode()} is the error code x86-64 pushes: bit 0 P (the
     * page was present: a protection fault), bit 1 W/R (a write), bit 2 U/S (user mode),
     * bit 3 RSVD (a reserved bit was set), bit 4 I/D (an instruction fetch).
     */
    sealed interface PageFault extends Translation {
        /** The faulting address (CR2). */
        long virtualAddress();

        /** What the access tried to do. */
        AccessKind access();

        /** Whether the access came from user mode. */
        boolean userMode();

        /** The x86-64 page-fault error code. */
        int errorCode();

        /** The error code bits every fault shares: W/R, U/S and I/D. */
        static int accessBits(AccessKind access, boolean userMode) {
            int code = userMode ? ERROR_USER : 0;
            return switch (access) {
                case READ -> code;
                case WRITE -> code | ERROR_WRITE;
                case EXECUTE -> code | ERROR_INSTRUCTION_FETCH;
            };
        }
    }

    /** Error code bit 0: the page was present (a protection fault, not a missing page). */
    int ERROR_PRESENT = 1;
    /** Error code bit 1: the access was a write. */
    int ERROR_WRITE = 1 << 1;
    /** Error code bit 2: the access came from user mode. */
    int ERROR_USER = 1 << 2;
    /** Error code bit 3: a paging entry had a reserved bit set. */
    int ERROR_RESERVED_BIT = 1 << 3;
    /** Error code bit 4: the access was an instruction fetch. */
    int ERROR_INSTRUCTION_FETCH = 1 << 4;

    /**
     * No present entry maps the address. {@code level} is where the walk stopped:
     * 4 = PML4, 3 = page-directory-pointer table, 2 = page directory, 1 = page table.
     */
    record NotPresent(long virtualAddress, AccessKind access, boolean userMode, int level) implements PageFault {
        @Override
        public int errorCode() {
            return PageFault.accessBits(access, userMode);
        }
    }

    /** The page is present but a user access hit a supervisor page, or a write hit a read-only page. */
    record ProtectionViolation(long virtualAddress, AccessKind access, boolean userMode) implements PageFault {
        @Override
        public int errorCode() {
            return ERROR_PRESENT | PageFault.accessBits(access, userMode);
        }
    }

    /** An instruction fetch from a page marked no-execute. */
    record NoExecute(long virtualAddress, AccessKind access, boolean userMode) implements PageFault {
        @Override
        public int errorCode() {
            return ERROR_PRESENT | PageFault.accessBits(access, userMode);
        }
    }

    /**
     * A paging entry at {@code level} has a bit set that this MMU treats as reserved (a PS bit in
     * a page-directory-pointer entry: this MMU models a CPU without 1 GiB pages).
     */
    record ReservedBit(long virtualAddress, AccessKind access, boolean userMode, int level) implements PageFault {
        @Override
        public int errorCode() {
            return ERROR_PRESENT | ERROR_RESERVED_BIT | PageFault.accessBits(access, userMode);
        }
    }

    /** Bits 48..63 are not copies of bit 47: the CPU raises #GP, not #PF. */
    record NonCanonical(long virtualAddress, AccessKind access, boolean userMode) implements Translation {}
}
