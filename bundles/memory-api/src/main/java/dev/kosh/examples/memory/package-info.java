/**
 * The memory service's protocol, shared by the service bundle and its clients: a user-space
 * library (exported, versioned here; everything else in the memory bundles is private).
 */
package dev.kosh.examples.memory;
