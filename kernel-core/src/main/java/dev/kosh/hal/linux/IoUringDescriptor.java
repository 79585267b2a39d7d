package dev.kosh.hal.linux;

/**
 * Byte layouts of the io_uring ABI ({@code include/uapi/linux/io_uring.h}), the same on
 * every Linux architecture. Offsets into the rings themselves are not here: the kernel
 * reports them in {@code io_sqring_offsets}/{@code io_cqring_offsets} at setup.
 */
final class IoUringDescriptor {

    private IoUringDescriptor() {}

    // struct io_uring_params: 120 bytes.
    static final long PARAMS_SIZE = 120;
    static final long P_SQ_ENTRIES = 0, P_CQ_ENTRIES = 4, P_FLAGS = 8, P_FEATURES = 20;
    // struct io_sqring_offsets at 40.
    static final long SQ_OFF = 40;
    static final long SQ_HEAD = SQ_OFF, SQ_TAIL = SQ_OFF + 4, SQ_RING_MASK = SQ_OFF + 8, SQ_RING_ENTRIES = SQ_OFF + 12,
            SQ_FLAGS = SQ_OFF + 16, SQ_DROPPED = SQ_OFF + 20, SQ_ARRAY = SQ_OFF + 24;
    // struct io_cqring_offsets at 80.
    static final long CQ_OFF = 80;
    static final long CQ_HEAD = CQ_OFF, CQ_TAIL = CQ_OFF + 4, CQ_RING_MASK = CQ_OFF + 8, CQ_RING_ENTRIES = CQ_OFF + 12,
            CQ_OVERFLOW = CQ_OFF + 16, CQ_CQES = CQ_OFF + 20;

    // mmap offsets selecting which area of the ring fd to map.
    static final long OFF_SQ_RING = 0, OFF_CQ_RING = 0x800_0000, OFF_SQES = 0x1000_0000;

    static final int FEAT_SINGLE_MMAP = 1;
    // io_uring_setup flags (IORING_SETUP_*).
    static final int SETUP_COOP_TASKRUN = 1 << 8, SETUP_SINGLE_ISSUER = 1 << 12, SETUP_DEFER_TASKRUN = 1 << 13;
    static final int ENTER_GETEVENTS = 1;

    // struct io_uring_sqe: 64 bytes.
    static final long SQE_SIZE = 64;
    static final long SQE_OPCODE = 0, SQE_FLAGS = 1, SQE_IOPRIO = 2, SQE_FD = 4, SQE_OFF = 8, SQE_ADDR = 16,
            SQE_LEN = 24, SQE_RW_FLAGS = 28, SQE_USER_DATA = 32;

    // struct io_uring_cqe: 16 bytes (no IORING_SETUP_CQE32).
    static final long CQE_SIZE = 16;
    static final long CQE_USER_DATA = 0, CQE_RES = 8, CQE_FLAGS = 12;

    static final byte OP_NOP = 0, OP_FSYNC = 3, OP_READ = 22, OP_WRITE = 23;
}
