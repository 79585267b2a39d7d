/**
 * The hardware abstraction layer's API: what the kernel asks of the machine it runs on.
 *
 * <p>In here: {@link dev.kosh.hal.PlatformInterface} (CPU description, memory map,
 * interrupt delivery, activation of the software MMU's page-table root, device
 * enumeration, MMIO mapping), the records it speaks in, the typed results and errors
 * of everything that can fail, and {@link dev.kosh.hal.Platforms}, which picks the
 * provider for the running host.
 *
 * <p>Not in here: any reading of {@code /proc} or {@code /sys} (that is the Linux
 * underlay, {@code dev.kosh.hal.linux}, shared by the providers); anything specific to
 * one architecture ({@code hal-x86_64}, {@code hal-arm64} mirror this package); page
 * tables themselves (the memory module owns them, the HAL only records which root is
 * active); drivers and device matching (the driver framework).
 *
 * <p>Kernel space only: this package is exported to no bundle. Drivers receive
 * hardware only as capabilities the driver manager derives from these records.
 */
package dev.kosh.hal;
