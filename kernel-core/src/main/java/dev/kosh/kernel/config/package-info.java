/**
 * {@code config/system.conf}: its parser and the validated model (kernel settings, drivers,
 * services with their order, dependencies, restart policy and capability grants). A file that
 * parses is consistent: every dependency exists, there is no cycle, every value is in range.
 * The format is documented in the file itself and in {@code docs/config.md}.
 */
package dev.kosh.kernel.config;
