/**
 * The driver manager (kernel space): starts driver bundles as driver-space processes, routes
 * requests to them over IPC channels, and reports their state ({@code lsdrv}).
 *
 * <p>Not yet here (the driver issue): hardware matching through the HAL, dependency ordering,
 * supervision with restart intensity, journaled replay, hardware capabilities.
 */
package dev.kosh.driver;
