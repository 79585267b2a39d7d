/**
 * The HAL's extension point: what a platform implementation provides and what it may
 * rely on.
 *
 * <p>In here: {@link dev.kosh.hal.spi.PlatformProvider} (found with
 * {@link java.util.ServiceLoader}), {@link dev.kosh.hal.spi.HostRoot} (where a provider
 * reads procfs, sysfs and device nodes, so a fake tree can stand in for the host), and
 * {@link dev.kosh.hal.spi.PlatformConformance}, the contract every provider must meet,
 * written once and run by each provider's tests (and usable at boot as a self-check).
 *
 * <p>Not in here: any implementation. Shared Linux parsing lives in
 * {@code dev.kosh.hal.linux}; architecture-specific code in {@code hal-x86_64} and
 * {@code hal-arm64}.
 */
package dev.kosh.hal.spi;
