/**
 * Extension points of the memory manager.
 *
 * <p><b>In here:</b> {@link dev.kosh.memory.spi.SwapAlgorithm}, the page-replacement policy
 * behind swap. <b>Not in here:</b> its implementations (CLOCK is internal; pick it with
 * {@link dev.kosh.memory.VmConfig}).
 */
@org.osgi.annotation.versioning.Version("0.1.0")
@org.osgi.annotation.bundle.Export
package dev.kosh.memory.spi;
