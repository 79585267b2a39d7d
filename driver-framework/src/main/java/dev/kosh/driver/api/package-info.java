/**
 * The driver contract: what a driver bundle implements and the messages it exchanges. Exported
 * to driver-space bundles only, as a versioned system package.
 */
@org.osgi.annotation.versioning.Version("1.1.0")
@org.osgi.annotation.bundle.Export
package dev.kosh.driver.api;
