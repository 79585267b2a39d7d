/**
 * The implementation of {@code dev.kosh.memory}; never exported.
 *
 * <p><b>In here:</b> {@link dev.kosh.memory.internal.BuddyAllocator} (frame metadata in three
 * arrays, free lists per order, reserved frames), {@link dev.kosh.memory.internal.PageTableEntryDescriptor}
 * (the x86-64 entry layout), {@link dev.kosh.memory.internal.Tlb} (the translation cache) and
 * {@link dev.kosh.memory.internal.PagedAddressSpace} (four-level tables in arena frames and the
 * page walker).
 *
 * <p><b>Not in here:</b> anything that touches the host (huge-page backing, the HAL memory
 * map), processes, regions, swap or meters. Nothing here logs; errors are return codes
 * (named constants) or the API's result records.
 */
package dev.kosh.memory.internal;
