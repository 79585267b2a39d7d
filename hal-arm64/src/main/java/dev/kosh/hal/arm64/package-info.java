/**
 * The HAL for arm64 (aarch64) on a Linux underlay; mirrors {@code dev.kosh.hal}.
 *
 * <p>In here: what differs on arm64 — {@code /proc/cpuinfo} with implementer and part
 * numbers instead of a model name, the flattened device tree as Linux exposes it under
 * {@code /proc/device-tree} (platform devices, and the memory map when
 * {@code /proc/iomem} cannot be read), 3- to 5-level page tables — and the
 * {@link dev.kosh.hal.spi.PlatformProvider} registered for Linux on aarch64.
 *
 * <p>Not in here: what every Linux has ({@code dev.kosh.hal.linux} in kernel-core: PCI
 * sysfs, MMIO, io_uring, capability probes); translation of device-tree addresses
 * through parent {@code ranges} (registers are reported in the parent bus's address
 * space); ACPI-only arm64 servers' platform devices.
 *
 * <p>Tested against captured trees only: there is no arm64 host in this workplace.
 */
package dev.kosh.hal.arm64;
