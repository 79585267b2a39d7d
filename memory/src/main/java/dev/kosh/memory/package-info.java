/**
 * Kosh physical memory and page tables: the API the kernel (boot sequence, process
 * manager, shell) uses.
 *
 * <p><b>In here:</b> {@link dev.kosh.memory.PhysicalMemory}, the off-heap arena of 4 KiB
 * frames (backed by huge pages, an anonymous mapping or a Java arena, as
 * {@link dev.kosh.memory.ArenaBacking} reports) with its buddy allocator and reserved ranges
 * from the boot memory map ({@link dev.kosh.memory.MemoryRange}, built from the HAL's
 * {@code MemoryMap}); {@link dev.kosh.memory.MemoryStats}, the {@code meminfo} shell command and
 * Micrometer gauges ({@link dev.kosh.memory.MemoryMetrics}); {@link dev.kosh.memory.AddressSpace},
 * an x86-64 four-level page table stored in frames of the arena, walked by a software MMU with a
 * TLB, with a frame quota; and the sealed result types every operation returns
 * ({@link dev.kosh.memory.AllocResult}, {@link dev.kosh.memory.FreeResult},
 * {@link dev.kosh.memory.MapResult}, {@link dev.kosh.memory.UnmapResult},
 * {@link dev.kosh.memory.ProtectResult}, {@link dev.kosh.memory.Translation}).
 *
 * <p>Also {@link dev.kosh.memory.VirtualMemory} and its
 * {@link dev.kosh.memory.VirtualAddressSpace}s: regions (heap, stacks with guard pages,
 * anonymous memory) at ASLR bases ({@link dev.kosh.memory.AddressLayout}), demand paging,
 * copy-on-write sharing and cloning, swap to a file (policy in {@code dev.kosh.memory.spi}),
 * compaction for contiguous requests, fault/swap counters and {@code pmap}
 * ({@link dev.kosh.memory.Pmap}).
 *
 * <p><b>Not in here:</b> the out-of-memory killer policy, file-backed mappings, the shell
 * commands themselves. The implementation lives in
 * {@code dev.kosh.memory.internal} and is never exported.
 *
 * <p>Errors on the data path (allocate, free, map, unmap, protect, translate) are values,
 * never exceptions: decode validates every argument and returns a typed error; invoke then
 * cannot fail. Exceptions are reserved for kernel bugs (use after close) and for invalid
 * boot configuration.
 */
@org.osgi.annotation.versioning.Version("0.3.0")
@org.osgi.annotation.bundle.Export
package dev.kosh.memory;
