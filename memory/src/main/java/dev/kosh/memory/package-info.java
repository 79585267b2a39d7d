/**
 * Kosh physical memory and page tables: the API the kernel (boot sequence, process
 * manager, shell) uses.
 *
 * <p><b>In here:</b> {@link dev.kosh.memory.PhysicalMemory}, the off-heap arena of 4 KiB
 * frames with its buddy allocator and reserved ranges from the boot memory map;
 * {@link dev.kosh.memory.MemoryStats} and the {@code meminfo} shell command;
 * {@link dev.kosh.memory.AddressSpace}, an x86-64 four-level page table stored in frames of
 * the arena and walked by a software MMU with a TLB; and the sealed result types every
 * operation returns ({@link dev.kosh.memory.AllocResult}, {@link dev.kosh.memory.FreeResult},
 * {@link dev.kosh.memory.MapResult}, {@link dev.kosh.memory.UnmapResult},
 * {@link dev.kosh.memory.ProtectResult}, {@link dev.kosh.memory.Translation}).
 *
 * <p><b>Not in here:</b> per-process regions (heap, stacks, guard pages, ASLR), demand
 * paging, copy-on-write, swap, compaction, quotas and meters. They are built on top of
 * {@link dev.kosh.memory.AddressSpace} and {@link dev.kosh.memory.PhysicalMemory}. The
 * implementation lives in {@code dev.kosh.memory.internal} and is never exported.
 *
 * <p>Errors on the data path (allocate, free, map, unmap, protect, translate) are values,
 * never exceptions: decode validates every argument and returns a typed error; invoke then
 * cannot fail. Exceptions are reserved for kernel bugs (use after close) and for invalid
 * boot configuration.
 */
@org.osgi.annotation.versioning.Version("0.1.0")
@org.osgi.annotation.bundle.Export
package dev.kosh.memory;
