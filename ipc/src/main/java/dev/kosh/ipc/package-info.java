/**
 * Kernel IPC. In here today: {@link dev.kosh.ipc.MpscChannel}, a bounded lock-free channel on a
 * JCTools MPSC queue with back-pressure (a send to a full channel reports FULL or waits; nothing
 * is dropped). The console's output path runs on one. Endpoints, capabilities in messages,
 * notifications and shared memory come with the IPC issue, on the same queues.
 */
package dev.kosh.ipc;
