/**
 * The process API: what a Kosh program may use. Exported to every bundle as a system package.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
@org.osgi.annotation.bundle.Export
package dev.kosh.api;
