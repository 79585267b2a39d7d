/**
 * The implementation of {@code dev.kosh.memory}; never exported.
 *
 * <p><b>In here:</b> {@link dev.kosh.memory.internal.HostArena} (the host memory behind the
 * arena: {@code mmap} through {@code java.lang.foreign}, or a Java arena; the only class that
 * calls the host), {@link dev.kosh.memory.internal.BuddyAllocator} (frame metadata in three
 * arrays, free lists per order, reserved frames), {@link dev.kosh.memory.internal.PageTableEntryDescriptor}
 * (the x86-64 entry layout), {@link dev.kosh.memory.internal.Tlb} (the translation cache) and
 * {@link dev.kosh.memory.internal.PagedAddressSpace} (four-level tables in arena frames, the
 * page walker, the frame quota).
 *
 * <p><b>Not in here:</b> reading the host's memory map (the HAL does), processes, regions, swap
 * or meters. Nothing here logs; errors are return codes (named constants) or the API's result
 * records.
 */
package dev.kosh.memory.internal;
