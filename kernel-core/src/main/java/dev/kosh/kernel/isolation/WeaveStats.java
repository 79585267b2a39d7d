package dev.kosh.kernel.isolation;

/**
 * What the weaver inserted into one class.
 *
 * @param methods        methods with code
 * @param entryPolls     preemption points before calls (one per straight-line run of code that calls)
 * @param backEdgePolls  preemption points before loop back-edges (where the loop body has not polled)
 * @param handlerChecks  kill rethrows at exception handlers
 * @param guardedCalls   reflective calls given a run-time guard
 */
public record WeaveStats(int methods, int entryPolls, int backEdgePolls, int handlerChecks, int guardedCalls) {}
