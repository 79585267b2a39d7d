/**
 * Init, pid 1: starts the services of {@code system.conf} in dependency order, restarts them by
 * their policy (with restart intensity limits), reaps orphans, and stops everything in reverse
 * order at shutdown. Init is a kernel process: its single agent thread is the thread of pid 1.
 */
package dev.kosh.kernel.init;
