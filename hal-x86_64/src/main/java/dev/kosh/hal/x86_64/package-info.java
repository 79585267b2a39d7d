/**
 * The HAL for x86-64 on a Linux underlay; mirrors {@code dev.kosh.hal}.
 *
 * <p>In here: what differs on x86-64 — parsing x86 {@code /proc/cpuinfo}, reading CPUID
 * leaves through {@code /dev/cpu/N/cpuid}, preferring the firmware's e820 table
 * ({@code /sys/firmware/memmap}) over {@code /proc/iomem}, 4- and 5-level page tables —
 * and the {@link dev.kosh.hal.spi.PlatformProvider} registered for Linux on
 * amd64/x86_64.
 *
 * <p>Not in here: what every Linux has (PCI sysfs, MMIO mapping, io_uring, eventfd,
 * capability probes); that is {@code dev.kosh.hal.linux} in kernel-core, which this
 * package plugs into through {@link dev.kosh.hal.linux.ArchitectureHooks}. No UEFI or
 * bare-metal code: Kosh always boots on a Linux kernel.
 */
package dev.kosh.hal.x86_64;
