/**
 * The Linux underlay the HAL providers share: reading procfs and sysfs through a
 * {@link dev.kosh.hal.spi.HostRoot}, and the system calls the JDK does not offer
 * (io_uring, eventfd, mmap) through {@code java.lang.foreign}.
 *
 * <p>In here: the PCI sysfs reader, the firmware memory map and {@code /proc/iomem}
 * readers, the capability and interrupt probes, MMIO mapping, {@link
 * dev.kosh.hal.linux.IoUring}, {@link dev.kosh.hal.linux.EventFd}, and
 * {@link dev.kosh.hal.linux.LinuxPlatform}, which assembles them behind an
 * architecture's {@link dev.kosh.hal.linux.ArchitectureHooks}.
 *
 * <p>Not in here: anything that differs between architectures ({@code /proc/cpuinfo}'s
 * format, the device tree, CPUID, page-table level counts) — that sits behind the hooks,
 * in {@code hal-x86_64} and {@code hal-arm64}. Everything here is the same on every
 * Linux architecture; system calls go through libc's wrappers or the generic syscall
 * numbers (io_uring 425/426) that all architectures share.
 *
 * <p>Kernel space only, like the rest of the HAL: drivers never see these classes; the
 * driver framework hands them capabilities built on them.
 */
package dev.kosh.hal.linux;
