/**
 * The driver manager (kernel space): starts driver bundles as driver-space processes, routes
 * requests to them over IPC channels, and reports their state ({@code lsdrv}).
 *
 * <p>Also here: hardware matching ({@link dev.kosh.driver.MatchRule}, {@link dev.kosh.driver.DriverMatcher}),
 * the device registry ({@code lsdev}), dependency ordering ({@link dev.kosh.driver.DependencyOrder}) and
 * the per-device resources a driver is given ({@link dev.kosh.driver.api.DriverContext}).
 *
 * <p>Not yet here (the driver issue): per-driver supervision settings from system.conf,
 * journaled replay, I/O-port, IRQ and DMA grants beyond their description.
 */
package dev.kosh.driver;
