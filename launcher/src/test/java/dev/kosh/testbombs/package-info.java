/**
 * Hostile programs for the quota tests: each is packed into a bundle of its own by
 * {@code dev.kosh.launcher.QuotaTest} and loaded (verified and woven) like any program, so each
 * uses only what a program may: no threads but {@code ctx.startThread}, no console but the context's.
 */
package dev.kosh.testbombs;
